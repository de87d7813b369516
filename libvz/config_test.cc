#include "libvz/config.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

std::string Data(const std::string& name) {
  auto text = ReadFile(testing::TestDataPath("libvz/config/" + name));
  EXPECT_TRUE(text.has_value()) << name;
  return text.value_or("");
}

// Applies "set KEY=VALUE" / "unset KEY" lines (test/data/libvz/config/
// <case>.edits) to `file`.
void ApplyEdits(const std::string& edits, ConfigFile* file) {
  for (const auto& line : Split(edits, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("set ", 0) == 0) {
      auto eq = line.find('=');
      ASSERT_NE(eq, std::string::npos) << line;
      Status s = file->Set(line.substr(4, eq - 4), line.substr(eq + 1));
      ASSERT_TRUE(s.ok()) << s.message();
    } else if (line.rfind("unset ", 0) == 0) {
      EXPECT_TRUE(file->Unset(line.substr(6))) << line;
    } else {
      FAIL() << "bad edit line '" << line << "'";
    }
  }
}

// libvirt's xml2xml for config files: the input formats back to itself
// byte for byte; after the edits it matches <case>.out.conf; and the output
// parses back to the same keys and values.
class ConfigRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(ConfigRoundTrip, ParseFormatEditParse) {
  std::string in = Data(GetParam() + ".conf");
  auto file = ConfigFile::Parse(in, GetParam() + ".conf");
  ASSERT_TRUE(file.has_value()) << file.error().message();
  EXPECT_EQ(file->Format(), in);

  ApplyEdits(Data(GetParam() + ".edits"), &*file);
  std::string out = file->Format();
  testing::ExpectGolden("libvz/config/" + GetParam() + ".out.conf", out);

  auto again = ConfigFile::Parse(out, "out");
  ASSERT_TRUE(again.has_value()) << again.error().message();
  EXPECT_EQ(again->Entries(), file->Entries());
  EXPECT_EQ(again->Format(), out);
}

INSTANTIATE_TEST_SUITE_P(Golden, ConfigRoundTrip,
                         ::testing::Values("vz", "ve-sample", "mixed", "empty"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

TEST(ConfigFileTest, ValuesAreDecoded) {
  auto f = *ConfigFile::Parse(Data("mixed.conf"), "mixed.conf");
  EXPECT_EQ(*f.Get("PATH"), "/usr/sbin:/usr/bin");
  EXPECT_EQ(*f.Get("QUOTED"), "single $quoted \"value\"");
  EXPECT_EQ(*f.Get("ESCAPED"), "a \"b\" \\ $c `d` \\n");
  EXPECT_EQ(*f.Get("EMPTY"), "");
  EXPECT_EQ(*f.Get("DUP"), "second");
  EXPECT_EQ(*f.Get("CRLF"), "dos line");
  EXPECT_EQ(*f.Get("TAB"), "");
  EXPECT_EQ(*f.Get("NO_NEWLINE"), "last");
  EXPECT_FALSE(f.Get("ABSENT").has_value());
  EXPECT_EQ(f.GetOr("ABSENT", "x"), "x");
  auto keys = f.Keys();
  ASSERT_EQ(keys.size(), 9u);
  EXPECT_EQ(keys.front(), "PATH");
  EXPECT_EQ(keys.back(), "NO_NEWLINE");
}

TEST(ConfigFileTest, HostileValuesSurviveSetAndParse) {
  for (std::string v :
       {"$(reboot)", "`reboot`", "\\", "\"", "'", "a'b\"c", "$VEID", "${VEID}",
        "\\$(x)", "#", " lead", "trail ", "\t", "\r", "\xff\xfe", "ünïcödé"}) {
    ConfigFile f;
    ASSERT_TRUE(f.Set("K", v).ok()) << v;
    auto back = ConfigFile::Parse(f.Format(), "x");
    ASSERT_TRUE(back.has_value()) << v << ": " << back.error().message();
    EXPECT_EQ(*back->Get("K"), v);
  }
}

TEST(ConfigFileTest, SetRefusesBadKeysAndValues) {
  ConfigFile f;
  for (std::string key : {"", "1A", "A-B", "A B", "A=B"}) {
    Status s = f.Set(key, "x");
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << key;
    EXPECT_EQ(s.exit_code(), kVzInvalidParameterValue);
  }
  EXPECT_FALSE(f.Set("A", "two\nlines").ok());
  EXPECT_FALSE(f.Set("A", std::string("nul\0", 4)).ok());
  EXPECT_TRUE(f.Set("_a1", "x").ok());
  EXPECT_TRUE(f.Set(std::string(128, 'K'), "x").ok());
  EXPECT_FALSE(f.Set(std::string(129, 'K'), "x").ok());
}

TEST(ConfigFileTest, UnquotedStyleKeptOnlyWhenItCarriesTheValue) {
  auto f = *ConfigFile::Parse("A=x\nB='y'\n", "t");
  ASSERT_TRUE(f.Set("A", "/vz/root/$VEID").ok());
  ASSERT_TRUE(f.Set("B", "no quote").ok());
  EXPECT_EQ(f.Format(), "A=/vz/root/$VEID\nB='no quote'\n");
  ASSERT_TRUE(f.Set("A", "two words").ok());
  ASSERT_TRUE(f.Set("B", "it's").ok());
  EXPECT_EQ(f.Format(), "A=\"two words\"\nB=\"it's\"\n");
}

TEST(ConfigFileTest, EmptyAndNewlineOnlyFilesRoundTrip) {
  for (std::string text : {"", "\n", "\n\n", "# c", "A=1"}) {
    auto f = ConfigFile::Parse(text, "t");
    ASSERT_TRUE(f.has_value()) << text;
    EXPECT_EQ(f->Format(), text);
  }
}

TEST(ConfigFileTest, SaveAndLoad) {
  testing::TempDir dir;
  std::string path = dir.Join("101.conf");
  auto f = *ConfigFile::Parse("# c\nA=\"1\"\n", "t");
  ASSERT_TRUE(f.Set("B", "2").ok());
  ASSERT_TRUE(f.Save(path, 0600).ok());
  auto back = ConfigFile::Load(path);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->origin(), path);
  EXPECT_EQ(back->Format(), "# c\nA=\"1\"\nB=\"2\"\n");

  auto absent = ConfigFile::Load(dir.Join("absent.conf"));
  EXPECT_EQ(absent.error().code(), Code::kNotFound);
}

TEST(ConfigFileTest, RefusesHugeFiles) {
  std::string big(ConfigFile::kMaxSize + 1, '#');
  auto r = ConfigFile::Parse(big, "big.conf");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "parse 'big.conf': larger than 1048576 bytes");
  EXPECT_EQ(r.error().exit_code(), kVzInvalidConfig);

  testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("big.conf"), big).ok());
  auto loaded = ConfigFile::Load(dir.Join("big.conf"));
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().exit_code(), kVzInvalidConfig);
}

TEST(ConfigFileTest, RefusesNulBytes) {
  auto r = ConfigFile::Parse(std::string("A=1\nB=\"x\0y\"\n", 12), "nul.conf");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "parse 'nul.conf' line 2: NUL byte");
}

// Each bad input is refused with exit 85 and the message in bad/<case>.err.
class ConfigBadInput : public ::testing::TestWithParam<std::string> {};

TEST_P(ConfigBadInput, RefusedWithFileAndLine) {
  std::string name = "bad/" + GetParam() + ".conf";
  auto r = ConfigFile::Parse(Data(name), name);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.error().exit_code(), kVzInvalidConfig);
  testing::ExpectGolden("libvz/config/bad/" + GetParam() + ".err",
                        r.error().message() + "\n");
}

INSTANTIATE_TEST_SUITE_P(
    Golden, ConfigBadInput,
    ::testing::Values("no-equals", "bad-key", "space-in-key",
                      "unterminated-double", "unterminated-single",
                      "trailing-text", "semicolon", "backtick", "dollar-paren",
                      "unquoted-space", "comment-without-blank",
                      "backslash-newline", "blank-after-equals"),
    [](const auto& info) {
      std::string n = info.param;
      for (char& c : n) {
        if (c == '-') c = '_';
      }
      return n;
    });

}  // namespace
}  // namespace vz
