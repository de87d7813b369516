// Manifest and signature formats (doc/templates.md §3, §4), pinned.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/testing/golden.h"
#include "libvz/exit_codes.h"
#include "libvz/template.h"

namespace vz {
namespace {

std::string Data(const std::string& name) {
  return *ReadFile(testing::TestDataPath("libvz/template/" + name));
}

TemplateManifest Sample() {
  TemplateManifest m;
  m.name = "debian-12-x86_64";
  m.version = "20261128.1";
  m.os = "debian-12";
  m.arch = "x86_64";
  m.created =
      std::chrono::system_clock::time_point(std::chrono::seconds(1795895054));
  m.virtual_size = 10737418240;
  m.files = {{"DiskDescriptor.xml", 774, std::string(64, 'd')},
             {"root.hds", 536870912,
              "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8f"
              "b9"}};
  m.packages = {{"adduser", "3.134"},
                {"apt", "2.6.1"},
                {"libc6", "2.36-9+deb12u4"},
                {"libstdc++6", "12.2.0-14"},
                {"openssh-server", "1:9.2p1-2+deb12u3"}};
  return m;
}

TEST(TemplateManifestTest, FormatGoldenAndRoundTrip) {
  auto text = FormatTemplateManifest(Sample());
  ASSERT_TRUE(text.has_value()) << text.error().message();
  testing::ExpectGolden("libvz/template/manifest", *text);
  auto back = ParseTemplateManifest(*text);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, Sample());
}

TEST(TemplateManifestTest, NoPackagesIsFine) {
  TemplateManifest m = Sample();
  m.name = "busybox-1.35-x86_64";
  m.os = "busybox";
  m.packages.clear();
  auto text = FormatTemplateManifest(m);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*ParseTemplateManifest(*text), m);
}

TEST(TemplateManifestTest, FormatRefusesWhatItCannotWrite) {
  auto bad = [](auto change) {
    TemplateManifest m = Sample();
    change(m);
    auto r = FormatTemplateManifest(m);
    return !r.has_value() && r.error().code() == Code::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](auto& m) { m.name = "Debian"; }));
  EXPECT_TRUE(bad([](auto& m) { m.version = "1 2"; }));
  EXPECT_TRUE(bad([](auto& m) { m.os = ""; }));
  EXPECT_TRUE(bad([](auto& m) { m.arch = "x86-64"; }));
  EXPECT_TRUE(bad([](auto& m) { m.files.clear(); }));
  EXPECT_TRUE(bad([](auto& m) { m.files[0].sha256 = "ABC"; }));
  EXPECT_TRUE(bad([](auto& m) { m.files[0].name = "manifest"; }));
  EXPECT_TRUE(bad([](auto& m) { m.files[0].name = ".hidden"; }));
  EXPECT_TRUE(bad([](auto& m) { m.files[0].name = "a/b"; }));
  EXPECT_TRUE(bad([](auto& m) { std::swap(m.files[0], m.files[1]); }));
  EXPECT_TRUE(bad([](auto& m) { m.packages[1] = m.packages[0]; }));
  EXPECT_TRUE(bad([](auto& m) { m.packages[0].version = "a b"; }));
  EXPECT_TRUE(bad([](auto& m) { m.created += std::chrono::milliseconds(5); }));
}

std::string Edit(std::string text, const std::string& from,
                 const std::string& to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST(TemplateManifestTest, ParseRefusesEverythingNonCanonical) {
  std::string good = Data("manifest");
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {"", "manifest does not end with a newline"},
      {good.substr(0, good.size() - 1), "manifest does not end with a newline"},
      {Edit(good, "manifest 1", "manifest 2"),
       "manifest line 1: unsupported format version '2'"},
      {Edit(good, "name debian", "name  debian"),
       "manifest line 2: empty word (double or trailing space)"},
      {Edit(good, "version 20261128.1\n", ""),
       "manifest line 3: expected 'version', found 'os'"},
      {Edit(good, "arch x86_64", "arch x86-64"),
       "manifest line 5: bad arch 'x86-64'"},
      {Edit(good, "14Z", "14.000Z"),
       "manifest line 6: bad created '2026-11-28T19:44:14.000Z'"},
      {Edit(good, "virtual-size 10737418240", "virtual-size 010737418240"),
       "manifest line 7: bad number '010737418240'"},
      {Edit(good, "sha256:dddd", "sha256:DDDD"),
       "manifest line 8: expected sha256:<64 lowercase hex>"},
      {Edit(good, "file root.hds", "file 0.hds"),
       "manifest line 9: file '0.hds' out of order or repeated"},
      {Edit(good, "package apt", "package adduser"),
       "manifest line 11: package 'adduser' out of order or repeated"},
      {good + "extra 1\n", "manifest line 15: unexpected 'extra'"},
      {Edit(good, "\n", "\r\n"),
       "manifest line 1: unsupported format version '1\r'"},
      {Edit(good, "file DiskDescriptor.xml", "package DiskDescriptor.xml"),
       "manifest line 8: expected 'file'"},
  };
  for (const auto& c : cases) {
    auto r = ParseTemplateManifest(c.text);
    ASSERT_FALSE(r.has_value()) << c.message;
    EXPECT_EQ(r.error().message(), c.message);
    EXPECT_EQ(r.error().exit_code(), kVzFsBadTmpl);
  }
  EXPECT_FALSE(
      ParseTemplateManifest(std::string((1 << 20) + 1, '\n')).has_value());
}

// The signature of the golden manifest with RFC 8032's test key: Ed25519
// is deterministic, so the file is pinned byte for byte.
TEST(TemplateManifestTest, SignatureGolden) {
  std::string manifest = Data("manifest");
  auto sig = SignManifest(manifest, Data("rfc8032-test1.key"));
  ASSERT_TRUE(sig.has_value()) << sig.error().message();
  testing::ExpectGolden("libvz/template/manifest.sig", *sig);
  auto parsed = ParseTemplateSignature(*sig);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->fingerprint,
            *PublicKeyFingerprint(Data("rfc8032-test1.pub")));
  EXPECT_EQ(parsed->signature.size(), 64u);
  EXPECT_EQ(FormatTemplateSignature(*parsed), *sig);
}

TEST(TemplateManifestTest, BadSignatureFiles) {
  std::string good = Data("manifest.sig");
  for (const std::string& bad :
       {std::string(""), Edit(good, "signature 1", "signature 2"),
        Edit(good, "ed25519:", "rsa:"), Edit(good, "\nsignature ", "\nsig "),
        good.substr(0, good.size() - 3) + "\n", good + "more\n"}) {
    auto r = ParseTemplateSignature(bad);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_EQ(r.error().exit_code(), kVzFsBadTmpl);
    }
  }
}

TEST(TemplateNameTest, Rules) {
  for (const char* ok : {"debian-12-x86_64", "busybox", "a", "ubuntu-24.04"}) {
    EXPECT_TRUE(ValidateTemplateName(ok).ok()) << ok;
  }
  for (const char* bad : {"", "-x", ".x", "Debian", "a/b", "a b", "..", "_x"}) {
    EXPECT_EQ(ValidateTemplateName(bad).exit_code(), kVzInvalidParameterValue)
        << bad;
  }
  EXPECT_FALSE(ValidateTemplateName(std::string(65, 'a')).ok());
  EXPECT_EQ(*NormalizeOsTemplate(".centos-7-x86_64"), "centos-7-x86_64");
  EXPECT_EQ(NormalizeOsTemplate("..x").error().message(),
            "invalid template name '..x': expected [a-z0-9] first");
}

}  // namespace
}  // namespace vz
