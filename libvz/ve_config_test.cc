#include "libvz/ve_config.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/size.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

TEST(DiskLimitTest, DiskSpaceUnits) {
  EXPECT_EQ(*ParseDiskSpace("1048576"), (DiskLimit{kGiB, kGiB}));
  EXPECT_EQ(*ParseDiskSpace("10G:11G"), (DiskLimit{10 * kGiB, 11 * kGiB}));
  EXPECT_EQ(*ParseDiskSpace("512M:1048576"), (DiskLimit{512 * kMiB, kGiB}));
  EXPECT_EQ(*ParseDiskSpace("1.5G"),
            (DiskLimit{kGiB + kGiB / 2, kGiB + kGiB / 2}));
  EXPECT_EQ(*ParseDiskSpace("2048B"), (DiskLimit{2048, 2048}));
  EXPECT_EQ(*ParseDiskSpace("1T"), (DiskLimit{kTiB, kTiB}));
  EXPECT_EQ(FormatDiskSpace({10 * kGiB, 10 * kGiB}), "10485760:10485760");
}

TEST(DiskLimitTest, BadDiskSpace) {
  struct Case {
    const char* text;
    const char* why;
  } cases[] = {
      {"", "invalid size '': empty"},
      {"0", "must be positive"},
      {"2G:1G", "soft limit above hard limit"},
      {"1000B", "not a whole number of 1K blocks"},
      {"10X", "invalid size '10X': unknown suffix"},
      {"1G:", "invalid size '': empty"},
      {"unlimited", "invalid size 'unlimited': unknown suffix"},
      {"-1G", "invalid size '-1G': negative"},
  };
  for (const auto& c : cases) {
    auto r = ParseDiskSpace(c.text);
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().message(),
              std::string("invalid DISKSPACE '") + c.text + "': " + c.why);
    EXPECT_EQ(r.error().exit_code(), kVzInvalidParameterValue);
  }
}

TEST(DiskLimitTest, Inodes) {
  EXPECT_EQ(*ParseDiskInodes("200000"), (DiskLimit{200000, 200000}));
  EXPECT_EQ(*ParseDiskInodes("1:2"), (DiskLimit{1, 2}));
  EXPECT_EQ(FormatDiskInodes({1, 2}), "1:2");
  EXPECT_FALSE(ParseDiskInodes("2:1").has_value());
  EXPECT_FALSE(ParseDiskInodes("1K").has_value());
  EXPECT_FALSE(ParseDiskInodes("0").has_value());
}

TEST(HostnameTest, Rfc1123) {
  for (const char* ok : {"a", "web1", "web-1.example.com", "1.2.3",
                         "XN--bcher-kva.example", "a.b.c.d.e.f"}) {
    EXPECT_TRUE(ValidateHostname(ok).ok()) << ok;
  }
  for (const char* bad : {"", "-a", "a-", "a..b", "a.", ".a", "a_b", "a b",
                          "a;reboot", "ünï.com"}) {
    Status s = ValidateHostname(bad);
    EXPECT_EQ(s.exit_code(), kVzBadHostname) << bad;
  }
  EXPECT_TRUE(ValidateHostname(std::string(63, 'a')).ok());
  EXPECT_FALSE(ValidateHostname(std::string(64, 'a')).ok());
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  long_name += "x";
  EXPECT_FALSE(ValidateHostname(long_name).ok());
}

TEST(NamesTest, TenantsAndSamples) {
  EXPECT_TRUE(ValidateTenantName("acme_1").ok());
  EXPECT_FALSE(ValidateTenantName("").ok());
  EXPECT_FALSE(ValidateTenantName("-x").ok());
  EXPECT_FALSE(ValidateTenantName("a/b").ok());
  EXPECT_FALSE(ValidateTenantName(std::string(33, 'a')).ok());
  EXPECT_TRUE(ValidateSampleName("vswap-256m").ok());
  EXPECT_TRUE(ValidateSampleName("basic.v2").ok());
  EXPECT_FALSE(ValidateSampleName("../basic").ok());
  EXPECT_FALSE(ValidateSampleName(".hidden").ok());
  EXPECT_FALSE(ValidateSampleName("a/b").ok());
}

class VeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = NodeConfig::Defaults(*NodeRoot::Make(dir_.path()));
    ASSERT_TRUE(MakeDirs(node_.conf_dir()).ok());
    // The samples we ship, installed as `make install` would.
    for (const char* s : {"basic", "vswap-256m", "vswap-1g"}) {
      auto text = ReadFile(testing::SourceDir() + "/templates/ve-" + s +
                           ".conf-sample");
      ASSERT_TRUE(text.has_value()) << s;
      ASSERT_TRUE(WriteFileAtomic(node_.SamplePathFor(s), *text).ok());
    }
  }
  VeConfig Make(const std::string& text) {
    return VeConfig("101", *ConfigFile::Parse(text, "101.conf"));
  }
  testing::TempDir dir_;
  NodeConfig node_ = NodeConfig::Defaults(NodeRoot());
};

TEST_F(VeConfigTest, ShippedSamplesValidate) {
  for (const char* s : {"basic", "vswap-256m", "vswap-1g"}) {
    auto ve = NewVeConfigFromSample(node_, "101", s);
    ASSERT_TRUE(ve.has_value()) << s << ": " << ve.error().message();
    auto space = ve->diskspace();
    ASSERT_TRUE(space.has_value() && space->has_value()) << s;
    EXPECT_GE((*space)->soft, 2 * kGiB) << s;
    auto inodes = ve->diskinodes();
    ASSERT_TRUE(inodes.has_value() && inodes->has_value()) << s;
    EXPECT_EQ(*ve->origin_sample(), s);
    EXPECT_EQ(**ve->version(), 2u);
    EXPECT_NE(ve->Get("PHYSPAGES"), std::nullopt);
    EXPECT_NE(ve->Get("CPUUNITS"), std::nullopt);
  }
}

// What vzctl create writes, pinned: the sample's comments stay, the
// container's keys follow them.
TEST_F(VeConfigTest, NewConfigFromSampleGolden) {
  auto ve = NewVeConfigFromSample(node_, "101", "vswap-256m");
  ASSERT_TRUE(ve.has_value()) << ve.error().message();
  ASSERT_TRUE(ve->set_ostemplate("debian-12-x86_64").ok());
  ASSERT_TRUE(ve->set_diskspace({10 * kGiB, 10 * kGiB}).ok());
  ASSERT_TRUE(ve->set_hostname("web1.example.com").ok());
  ASSERT_TRUE(ve->set_name("web1").ok());
  ASSERT_TRUE(
      ve->set_uuid(*Uuid::Parse("5fbaabe3-6958-40ff-92a7-860e329aab41")).ok());
  ASSERT_TRUE(ve->set_tenant("acme").ok());
  ASSERT_TRUE(ve->set_ve_root(node_.ve_root_pattern()).ok());
  ASSERT_TRUE(ve->set_ve_private(node_.ve_private_pattern()).ok());
  testing::ExpectGolden("libvz/config/ct-from-vswap-256m.conf",
                        ve->file().Format());

  ASSERT_TRUE(ve->Save(node_).ok());
  auto back = VeConfig::Load(node_, "101");
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(**back->ostemplate(), "debian-12-x86_64");
  EXPECT_EQ(**back->diskspace(), (DiskLimit{10 * kGiB, 10 * kGiB}));
  EXPECT_EQ(**back->hostname(), "web1.example.com");
  EXPECT_EQ(**back->name(), "web1");
  EXPECT_EQ((*back->uuid())->ToString(),
            "5fbaabe3-6958-40ff-92a7-860e329aab41");
  EXPECT_EQ(*back->tenant(), "acme");
  EXPECT_EQ(*back->VeRoot(node_), dir_.path() + "/vz/root/101");
  EXPECT_EQ(*back->VePrivate(node_), dir_.path() + "/vz/private/101");
}

TEST_F(VeConfigTest, SampleIdentityIsNotCopied) {
  ASSERT_TRUE(WriteFileAtomic(node_.SamplePathFor("leaky"),
                              "UUID=\"5fbaabe3-6958-40ff-92a7-860e329aab41\"\n"
                              "NAME=\"shared\"\nCPUUNITS=\"10\"\n")
                  .ok());
  auto ve = NewVeConfigFromSample(node_, "101", "leaky");
  ASSERT_TRUE(ve.has_value());
  EXPECT_FALSE(ve->Get("UUID").has_value());
  EXPECT_FALSE(ve->Get("NAME").has_value());
  EXPECT_EQ(*ve->Get("CPUUNITS"), "10");
}

TEST_F(VeConfigTest, MissingAndBrokenSamples) {
  auto missing = NewVeConfigFromSample(node_, "101", "nope");
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_EQ(missing.error().exit_code(), kVzApplyConfigError);
  EXPECT_EQ(missing.error().message(), "config sample 'nope' not found ('" +
                                           node_.SamplePathFor("nope") + "')");
  ASSERT_TRUE(
      WriteFileAtomic(node_.SamplePathFor("broken"), "DISKSPACE=\"1G\n").ok());
  auto broken = NewVeConfigFromSample(node_, "101", "broken");
  EXPECT_EQ(broken.error().exit_code(), kVzInvalidConfig);
  EXPECT_EQ(NewVeConfigFromSample(node_, "101", "../x").error().exit_code(),
            kVzInvalidParameterValue);
  EXPECT_EQ(NewVeConfigFromSample(node_, "0", "basic").error().exit_code(),
            kVzInvalidParameterValue);
}

TEST_F(VeConfigTest, LoadMissingIsNoVeConfig) {
  auto r = VeConfig::Load(node_, "999");
  EXPECT_EQ(r.error().code(), Code::kNotFound);
  EXPECT_EQ(r.error().exit_code(), kVzNoVeConfig);
}

TEST_F(VeConfigTest, AbsentKeysAreNullopt) {
  VeConfig ve = Make("");
  EXPECT_FALSE(ve.ostemplate()->has_value());
  EXPECT_FALSE(ve.diskspace()->has_value());
  EXPECT_FALSE(ve.diskinodes()->has_value());
  EXPECT_FALSE(ve.hostname()->has_value());
  EXPECT_FALSE(ve.uuid()->has_value());
  EXPECT_FALSE(ve.name()->has_value());
  EXPECT_FALSE(ve.version()->has_value());
  EXPECT_EQ(*ve.tenant(), "default");
  EXPECT_EQ(*ve.VeRoot(node_), dir_.path() + "/vz/root/101");
}

TEST_F(VeConfigTest, InvalidValuesInTheFile) {
  struct Case {
    const char* text;
    int exit_code;
    const char* message;
  } cases[] = {
      {"DISKSPACE=\"lots\"\n", kVzInvalidParameterValue,
       "invalid DISKSPACE 'lots': invalid size 'lots': unknown suffix"},
      {"HOSTNAME=\"a_b\"\n", kVzBadHostname,
       "invalid hostname 'a_b': expected [A-Za-z0-9.-]"},
      {"NAME=\"a b\"\n", kVzSetNameError,
       "invalid container name 'a b': expected [A-Za-z0-9_-]"},
      {"UUID=\"xyz\"\n", kVzInvalidParameterValue,
       "invalid UUID 'xyz': expected an RFC 4122 UUID"},
      {"OSTEMPLATE=\"../etc\"\n", kVzInvalidParameterValue,
       "invalid template name '../etc': expected [a-z0-9] first"},
      {"TENANT=\"a/b\"\n", kVzInvalidParameterValue,
       "invalid tenant 'a/b': expected 1 to 32 of [A-Za-z0-9_-], not starting "
       "with '-'"},
      {"VE_ROOT=\"/vz/../../etc\"\n", kVzInvalidParameterValue,
       "invalid VE_ROOT '/vz/../../etc': '.' or '..' in the path"},
      {"VE_PRIVATE=\"\"\n", kVzVePrivateNotSet,
       "VE_PRIVATE is not set for container '101'"},
  };
  for (const auto& c : cases) {
    VeConfig ve = Make(c.text);
    Status s;
    if (auto r = ve.diskspace(); !r) s = r.error();
    if (auto r = ve.hostname(); !r) s = r.error();
    if (auto r = ve.name(); !r) s = r.error();
    if (auto r = ve.uuid(); !r) s = r.error();
    if (auto r = ve.ostemplate(); !r) s = r.error();
    if (auto r = ve.tenant(); !r) s = r.error();
    if (auto r = ve.VeRoot(node_); !r) s = r.error();
    if (auto r = ve.VePrivate(node_); !r) s = r.error();
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.exit_code(), c.exit_code) << c.text;
    std::string expected = c.message;
    if (c.exit_code != kVzVePrivateNotSet) {
      expected = "read '101.conf': " + expected;
    }
    EXPECT_EQ(s.message(), expected);
  }
}

TEST_F(VeConfigTest, SettersValidate) {
  VeConfig ve = Make("");
  EXPECT_EQ(ve.set_hostname("bad_host").exit_code(), kVzBadHostname);
  EXPECT_EQ(ve.set_name("-x").exit_code(), kVzSetNameError);
  EXPECT_EQ(ve.set_diskspace({2 * kGiB, kGiB}).exit_code(),
            kVzInvalidParameterValue);
  EXPECT_EQ(ve.set_diskspace({1000, 2048}).exit_code(),
            kVzInvalidParameterValue);
  EXPECT_EQ(ve.set_diskinodes({0, 0}).exit_code(), kVzInvalidParameterValue);
  EXPECT_EQ(ve.set_uuid(Uuid()).exit_code(), kVzInvalidParameterValue);
  EXPECT_EQ(ve.set_tenant("").exit_code(), kVzInvalidParameterValue);
  EXPECT_EQ(ve.set_ve_root("relative").exit_code(), kVzInvalidParameterValue);
  EXPECT_EQ(ve.set_ve_private("/a/../b").exit_code(), kVzInvalidParameterValue);
  EXPECT_EQ(ve.set_ostemplate("UPPER").exit_code(), kVzInvalidParameterValue);
  EXPECT_EQ(ve.file().Format(), "");

  ASSERT_TRUE(ve.set_ostemplate(".centos-7-x86_64").ok());
  EXPECT_EQ(*ve.Get("OSTEMPLATE"), "centos-7-x86_64");
  ASSERT_TRUE(ve.set_diskinodes({100, 200}).ok());
  EXPECT_EQ(*ve.Get("DISKINODES"), "100:200");
}

}  // namespace
}  // namespace vz
