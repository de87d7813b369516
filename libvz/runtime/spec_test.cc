#include <linux/capability.h>
#include <sys/stat.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"
#include "libvz/runtime.h"

namespace vz::runtime {
namespace {

VeConfig Config(const std::string& text) {
  auto file = ConfigFile::Parse(text, "101.conf");
  EXPECT_TRUE(file.has_value());
  return VeConfig("101", *file);
}

TEST(MergeCapabilitiesTest, LastWordPerCapabilityWins) {
  auto m = MergeCapabilities("sys_time:on net_admin:off",
                             "CAP_NET_ADMIN:on,mknod:off sys_time:off");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, "net_admin:on mknod:off sys_time:off");
  EXPECT_EQ(*MergeCapabilities("", "sys_time:on"), "sys_time:on");
  EXPECT_EQ(MergeCapabilities("", "bogus:on").status().exit_code(),
            kVzInvalidParameterValue);
}

// OpenVZ's --features adds to what the config has, as --capability does.
TEST(MergeFeaturesTest, LastWordPerFeatureWins) {
  auto m = MergeFeatures("tun:on nfs:off", "PPP:on,tun:off nfs:on");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, "ppp:on tun:off nfs:on");
  EXPECT_EQ(*MergeFeatures("", "fuse:on"), "fuse:on");
  EXPECT_EQ(MergeFeatures("", "bogus:on").status().exit_code(),
            kVzInvalidParameterValue);
  EXPECT_EQ(MergeFeatures("tun:on", "fuse").status().exit_code(),
            kVzInvalidParameterValue);
}

TEST(FeatureWarningsTest, NamesWhatVzDoesNotGateAndMissingNodes) {
  // /dev/null stands for nothing here: tun and fuse exist on this host.
  EXPECT_TRUE(FeatureWarnings("tun:on fuse:off ppp:off").empty());
  auto w = FeatureWarnings("tun:on sit:on nfs:off");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_TRUE(w[0].starts_with("sit: not gated")) << w[0];
  EXPECT_TRUE(w[1].starts_with("nfs: ")) << w[1];
  EXPECT_TRUE(FeatureWarnings("bogus:on").empty());
  struct stat st;
  if (::stat("/dev/ppp", &st) != 0) {
    w = FeatureWarnings("ppp:on");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0],
              "ppp: the host has no /dev/ppp; the container starts "
              "without it until it has");
  }
}

// A config saved before vz checked FEATURES took any word: merging into it
// drops what does not parse instead of refusing the change.
TEST(MergeFeaturesTest, ABrokenCurrentValueDoesNotBlockAFix) {
  EXPECT_EQ(*MergeFeatures("tun:on iptables:on ppp:yes", "fuse:on"),
            "tun:on fuse:on");
}

TEST(ValidatePolicyKeysTest, RefusesWhatAStartWould) {
  EXPECT_TRUE(ValidatePolicyKeys(Config("CAPABILITY=\"sys_time:on\"\n"
                                        "DEVICES=\"c:10:200:rw\"\n"
                                        "DEVNODES=\"fuse:rw\"\n"
                                        "FEATURES=\"tun:on\"\n"))
                  .ok());
  for (const char* bad : {"CAPABILITY=\"sys_time\"\n", "DEVICES=\"x:1:2:rw\"\n",
                          "DEVNODES=\"../sda:rw\"\n", "FEATURES=\"nfs:yes\"\n",
                          "FEATURES=\"iptables:on\"\n"}) {
    EXPECT_EQ(ValidatePolicyKeys(Config(bad)).exit_code(),
              kVzInvalidParameterValue)
        << bad;
  }
}

TEST(MakeSpecTest, FromTheConfig) {
  testing::TempDir dir;
  NodeConfig node = NodeConfig::Defaults(*NodeRoot::Make(dir.path()));
  VeConfig ve = Config(
      "HOSTNAME=\"web.example.com\"\nCAPABILITY=\"net_admin:off\"\n"
      "DEVICES=\"c:10:200:rw\"\n");
  auto spec = MakeSpec(node, ve, IdRange{.uid = 2000000, .gid = 2000000},
                       cgroup::Layout::kV1);
  ASSERT_TRUE(spec.has_value()) << spec.error().message();
  EXPECT_EQ(spec->rootfs, dir.path() + "/vz/root/101");
  EXPECT_EQ(spec->hostname, "web.example.com");
  EXPECT_FALSE(spec->privileged());
  EXPECT_EQ(std::count(spec->capabilities.begin(), spec->capabilities.end(),
                       CAP_NET_ADMIN),
            0);
  EXPECT_EQ(spec->devices.back(), (cgroup::DeviceRule{'c', 10, 200, "rw"}));
  EXPECT_EQ(spec->init, std::vector<std::string>{"/sbin/init"});
}

TEST(MakeSpecTest, HostnameDefaultsToTheCtidAndNoRangeIsPrivileged) {
  testing::TempDir dir;
  NodeConfig node = NodeConfig::Defaults(*NodeRoot::Make(dir.path()));
  auto spec = MakeSpec(node, Config(""), std::nullopt, cgroup::Layout::kV2);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->hostname, "101");
  EXPECT_TRUE(spec->privileged());
}

}  // namespace
}  // namespace vz::runtime
