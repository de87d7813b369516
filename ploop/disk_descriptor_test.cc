#include "ploop/disk_descriptor.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/golden.h"

namespace ploop {
namespace {

std::string Data(const std::string& name) {
  return *vz::ReadFile(vz::testing::TestDataPath("ploop/descriptors/" + name));
}

// Each input parses, formats to its golden output, and the output parses
// back to the same descriptor (libvirt's xml2xml).
class DescriptorRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(DescriptorRoundTrip, ParseFormatParse) {
  auto dd = ParseDiskDescriptor(Data(GetParam() + ".xml"));
  ASSERT_TRUE(dd.has_value()) << dd.error().message();
  std::string out = FormatDiskDescriptor(*dd);
  vz::testing::ExpectGolden("ploop/descriptors/" + GetParam() + ".out.xml",
                            out);
  auto again = ParseDiskDescriptor(out);
  ASSERT_TRUE(again.has_value()) << again.error().message();
  EXPECT_EQ(FormatDiskDescriptor(*again), out);
}

INSTANTIATE_TEST_SUITE_P(Golden, DescriptorRoundTrip,
                         ::testing::Values("one-snapshot", "parallels-v1-raw"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

TEST(DescriptorTest, Fields) {
  auto dd = *ParseDiskDescriptor(Data("one-snapshot.xml"));
  EXPECT_EQ(dd.disk_size_sectors, 20971520u);
  EXPECT_EQ(dd.blocksize, 2048u);
  EXPECT_EQ(dd.cylinders, 40960u);
  ASSERT_EQ(dd.images.size(), 2u);
  EXPECT_EQ(dd.images[1].file,
            "root.hds.{c41d2f7e-88b0-4d9e-a3f2-5e6b7c8d9e01}");
  EXPECT_EQ(dd.top_guid, TopDeltaGuid());
  auto chain = *dd.Chain();
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0]->file, "root.hds");
  EXPECT_EQ(dd.Children(dd.images[0].guid).size(), 1u);
}

TEST(DescriptorTest, ParallelsRootIsReadAndRewritten) {
  auto dd = *ParseDiskDescriptor(Data("parallels-v1-raw.xml"));
  EXPECT_EQ(dd.root_name, "Parallels_disk_image");
  EXPECT_EQ(dd.images[0].type, DeltaType::kPlain);
  EXPECT_NE(FormatDiskDescriptor(dd).find("<Virtuozzo_disk_image>"),
            std::string::npos);
}

TEST(DescriptorTest, NamesAndDescriptionsAreEscaped) {
  auto dd = *ParseDiskDescriptor(Data("one-snapshot.xml"));
  dd.shots[0].name = "before <upgrade> & \"test\"";
  auto back = *ParseDiskDescriptor(FormatDiskDescriptor(dd));
  EXPECT_EQ(back.shots[0].name, dd.shots[0].name);
}

// Found by disk_descriptor_fuzzer: a CR read from "&#13;" was written
// literally and read back as LF.
TEST(DescriptorTest, CarriageReturnsRoundTrip) {
  auto dd = *ParseDiskDescriptor(Data("one-snapshot.xml"));
  dd.shots[0].name = "a\rb";
  dd.shots[0].description = "line\r\nnext\ttab";
  auto back = *ParseDiskDescriptor(FormatDiskDescriptor(dd));
  EXPECT_EQ(back.shots[0].name, "a\rb");
  EXPECT_EQ(back.shots[0].description, dd.shots[0].description);
}

// XML 1.0 cannot carry these at all: refused before anything is written.
TEST(DescriptorTest, TextXmlCannotCarryIsRefused) {
  for (std::string bad :
       {std::string("\x01"), std::string("\xff"), std::string("\xc0\x80"),
        std::string("\xed\xa0\x80"), std::string(1, '\0')}) {
    auto dd = *ParseDiskDescriptor(Data("one-snapshot.xml"));
    dd.shots[0].name = "x" + bad;
    vz::Status s = dd.Validate();
    EXPECT_FALSE(s.ok()) << "name with byte " << int(uint8_t(bad[0]));
    EXPECT_EQ(s.exit_code(), 39);
  }
  auto dd = *ParseDiskDescriptor(Data("one-snapshot.xml"));
  dd.shots[0].name = "snapshot \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80";  // UTF-8
  EXPECT_TRUE(dd.Validate().ok());
  dd.images[0].file = "root\nhds";
  EXPECT_FALSE(dd.Validate().ok());
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

struct BadCase {
  std::string name;
  std::string xml;
  std::string expect;  // substring of the error message
};

std::vector<BadCase> BadCases() {
  std::string good = Data("one-snapshot.xml");
  const std::string top = "{5fbaabe3-6958-40ff-92a7-860e329aab41}";
  const std::string base = "{9a1c3e52-0d6b-4a57-9c3f-2b7d1e0f4a11}";
  std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY "
      "b "
      "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "
      "\"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
      "<Virtuozzo_disk_image>&c;</Virtuozzo_disk_image>";
  std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM "
      "\"file:///etc/passwd\">]>"
      "<Virtuozzo_disk_image><Disk_Parameters><Disk_size>&e;</Disk_size></"
      "Disk_Parameters>"
      "</Virtuozzo_disk_image>";
  std::string deep = "<?xml version=\"1.0\"?><Virtuozzo_disk_image>";
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  deep += "</Virtuozzo_disk_image>";
  return {
      {"empty", "", "malformed XML"},
      {"not_xml", "hello", "malformed XML"},
      {"truncated", good.substr(0, good.size() / 2), "malformed XML"},
      {"billion_laughs", laughs, ""},  // libxml2 or our DOCTYPE check
      {"external_entity", xxe, "DOCTYPE"},
      {"too_deep", deep, "nested too deeply"},
      {"too_big", std::string(kMaxDescriptorBytes + 1, ' '),
       "larger than 1 MiB"},
      {"wrong_root",
       Replace(Replace(good, "<Virtuozzo_disk_image>", "<Other>"),
               "</Virtuozzo_disk_image>", "</Other>"),
       "unknown root"},
      {"no_size", Replace(good, "<Disk_size>20971520</Disk_size>", ""),
       "missing 'Disk_size'"},
      {"bad_number",
       Replace(good, "<Disk_size>20971520</Disk_size>",
               "<Disk_size>12x</Disk_size>"),
       "not a number"},
      {"negative",
       Replace(good, "<Disk_size>20971520</Disk_size>",
               "<Disk_size>-1</Disk_size>"),
       "not a number"},
      {"zero_size",
       Replace(good, "<Disk_size>20971520</Disk_size>",
               "<Disk_size>0</Disk_size>"),
       "Disk_size is 0"},
      {"bad_blocksize",
       Replace(good, "<Blocksize>2048</Blocksize>",
               "<Blocksize>1000</Blocksize>"),
       "invalid Blocksize"},
      {"bad_guid", Replace(good, "<TopGUID>" + top, "<TopGUID>{nope}"),
       "not a GUID"},
      {"unknown_top",
       Replace(good, "<TopGUID>" + top,
               "<TopGUID>{11111111-1111-1111-1111-111111111111}"),
       "TopGUID"},
      {"path_traversal",
       Replace(good, "<File>root.hds</File>", "<File>../../etc/shadow</File>"),
       "not a plain file name"},
      {"absolute_path",
       Replace(good, "<File>root.hds</File>", "<File>/etc/shadow</File>"),
       "not a plain file name"},
      {"dot_dot", Replace(good, "<File>root.hds</File>", "<File>..</File>"),
       "not a plain file name"},
      {"duplicate_guid",
       Replace(good, "<Image><GUID>" + base, "<Image><GUID>" + top),
       "duplicate image GUID"},
      {"unknown_type",
       Replace(good, "<Type>Compressed</Type><File>root.hds",
               "<Type>Qcow</Type><File>root.hds"),
       "unknown image type"},
      {"cycle",
       Replace(good, "<ParentGUID>{00000000-0000-0000-0000-000000000000}",
               "<ParentGUID>" + top),
       "cycle"},
      {"unknown_parent",
       Replace(good, "<ParentGUID>{00000000-0000-0000-0000-000000000000}",
               "<ParentGUID>{22222222-2222-2222-2222-222222222222}"),
       "unknown parent"},
      {"encrypted",
       Replace(good, "<Padding>0</Padding>",
               "<Padding>0</Padding><Encryption><KeyId>k</KeyId></Encryption>"),
       "encrypted"},
      {"nested_element_in_text",
       Replace(good, "<Disk_size>20971520</Disk_size>",
               "<Disk_size>1<b/>2</Disk_size>"),
       "unexpected element"},
      {"no_images",
       Replace(Replace(good, "<Image><GUID>" + base, "<X><GUID>" + base),
               "root.hds</File></Image>", "root.hds</File></X>"),
       ""},
  };
}

class DescriptorBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(DescriptorBadInput, IsRefusedClearly) {
  auto r = ParseDiskDescriptor(GetParam().xml);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), vz::Code::kInvalidArgument);
  EXPECT_EQ(r.error().exit_code(), 39);
  EXPECT_NE(r.error().message().find("invalid DiskDescriptor.xml"),
            std::string::npos);
  EXPECT_NE(r.error().message().find(GetParam().expect), std::string::npos)
      << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(Hostile, DescriptorBadInput,
                         ::testing::ValuesIn(BadCases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ploop
