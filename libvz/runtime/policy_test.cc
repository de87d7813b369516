#include "libvz/runtime/policy.h"

#include <linux/capability.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "libvz/exit_codes.h"
#include "libvz/runtime/seccomp_policy.h"

namespace vz::runtime::internal {
namespace {

bool Has(const std::vector<int>& v, int c) {
  return std::find(v.begin(), v.end(), c) != v.end();
}

TEST(CapabilitySetTest, DefaultDropsModulesRawIoAndClock) {
  auto caps = CapabilitySet("", CAP_LAST_CAP);
  ASSERT_TRUE(caps.has_value());
  EXPECT_FALSE(Has(*caps, CAP_SYS_MODULE));
  EXPECT_FALSE(Has(*caps, CAP_SYS_RAWIO));
  EXPECT_FALSE(Has(*caps, CAP_SYS_TIME));
  EXPECT_FALSE(Has(*caps, CAP_BPF));
  // What systemd and a normal distro need stays.
  EXPECT_TRUE(Has(*caps, CAP_SYS_ADMIN));
  EXPECT_TRUE(Has(*caps, CAP_NET_ADMIN));
  EXPECT_TRUE(Has(*caps, CAP_SETUID));
  EXPECT_TRUE(Has(*caps, CAP_SYS_BOOT));
  EXPECT_TRUE(Has(*caps, CAP_MKNOD));
}

TEST(CapabilitySetTest, ConfigAdjusts) {
  auto caps =
      CapabilitySet("sys_time:on, CAP_NET_ADMIN:off mknod:off", CAP_LAST_CAP);
  ASSERT_TRUE(caps.has_value());
  EXPECT_TRUE(Has(*caps, CAP_SYS_TIME));
  EXPECT_FALSE(Has(*caps, CAP_NET_ADMIN));
  EXPECT_FALSE(Has(*caps, CAP_MKNOD));
}

TEST(CapabilitySetTest, OlderKernelKnowsFewer) {
  auto caps = CapabilitySet("", CAP_AUDIT_READ);
  ASSERT_TRUE(caps.has_value());
  EXPECT_EQ(caps->back(), CAP_AUDIT_READ);
}

TEST(CapabilitySetTest, BadEntries) {
  for (const char* bad : {"sys_time", "sys_time:maybe", "nosuch:on"}) {
    auto caps = CapabilitySet(bad, CAP_LAST_CAP);
    ASSERT_FALSE(caps.has_value()) << bad;
    EXPECT_EQ(caps.error().exit_code(), kVzInvalidParameterValue);
    EXPECT_NE(caps.error().message().find(bad), std::string::npos);
  }
}

TEST(DeniedSyscallsTest, KernelGlobalOperations) {
  const auto& d = DeniedSyscalls();
  for (const char* s : {"init_module", "finit_module", "delete_module",
                        "kexec_load", "kexec_file_load", "open_by_handle_at",
                        "swapon", "syslog", "bpf", "keyctl"}) {
    EXPECT_NE(std::find(d.begin(), d.end(), s), d.end()) << s;
  }
  // systemd mounts and makes namespaces inside its container.
  for (const char* s : {"mount", "unshare", "setns", "reboot"}) {
    EXPECT_EQ(std::find(d.begin(), d.end(), s), d.end()) << s;
  }
}

TEST(DevicesTest, BaseRulesCoverTheMinimalDev) {
  auto rules = BaseDeviceRules();
  EXPECT_NE(std::find(rules.begin(), rules.end(),
                      cgroup::DeviceRule{'c', 1, 3, "rwm"}),
            rules.end());
  EXPECT_NE(std::find(rules.begin(), rules.end(),
                      cgroup::DeviceRule{'c', 136, -1, "rwm"}),
            rules.end());
  for (const auto& r : rules) EXPECT_EQ(r.type, 'c');
}

TEST(DevicesTest, ParseDevices) {
  auto rules = ParseDevices("c:10:200:rw b:8:all:rq none c:1:1:q");
  ASSERT_TRUE(rules.has_value());
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0], (cgroup::DeviceRule{'c', 10, 200, "rw"}));
  EXPECT_EQ((*rules)[1], (cgroup::DeviceRule{'b', 8, -1, "r"}));
  for (const char* bad : {"x:1:2:rw", "c:1:rw", "c:a:1:rw", "c:1:1:rwx"}) {
    EXPECT_EQ(ParseDevices(bad).status().exit_code(), kVzInvalidParameterValue)
        << bad;
  }
}

TEST(DevicesTest, DevNodesAndFeatures) {
  auto nodes = ParseDevNodes("fuse:rw net/tun:r loop0:none",
                             "tun:on fuse:off nfs:on ppp:on");
  ASSERT_TRUE(nodes.has_value());
  ASSERT_EQ(nodes->size(), 4u);
  EXPECT_EQ((*nodes)[0], (DevNode{"/dev/fuse", "rw"}));
  EXPECT_EQ((*nodes)[1], (DevNode{"/dev/net/tun", "r"}));
  EXPECT_EQ((*nodes)[2], (DevNode{"/dev/net/tun", "rw", true}));
  EXPECT_EQ((*nodes)[3], (DevNode{"/dev/ppp", "rw", true}));
  // The last word for a feature wins; a start reads past what does not
  // parse (a config from before vz checked FEATURES).
  nodes =
      ParseDevNodes(std::nullopt, "fuse:on tunnel:on tun:yes tun:on fuse:off");
  ASSERT_TRUE(nodes.has_value());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0], (DevNode{"/dev/net/tun", "rw", true}));
  EXPECT_FALSE(ParseDevNodes("../sda:rw", std::nullopt).has_value());
  EXPECT_FALSE(ParseDevNodes("/dev/sda:rw", std::nullopt).has_value());
}

TEST(FeaturesTest, OpenVzNamesOnOrOff) {
  auto f = FeatureEntries("TUN:on, sysfs:off nfs:on tun:off");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(*f, (std::vector<Feature>{
                    {"sysfs", false}, {"nfs", true}, {"tun", false}}));
  EXPECT_TRUE(FeatureEntries("").value().empty());
  for (const char* bad : {"tun", "tun:yes", "tun:", ":on", "iptables:on"}) {
    auto r = FeatureEntries(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.status().exit_code(), kVzInvalidParameterValue) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos)
        << r.status().message();
  }
  EXPECT_NE(FeatureEntries("iptables:on")
                .status()
                .message()
                .find("known: tun, fuse, ppp, sysfs"),
            std::string::npos);
  EXPECT_EQ(FeatureWithoutEffect("tun"), "");
  EXPECT_EQ(FeatureWithoutEffect("ppp"), "");
  EXPECT_NE(FeatureWithoutEffect("bridge"), "");
  EXPECT_EQ(FeatureDevice("ppp"), "/dev/ppp");
  EXPECT_EQ(FeatureDevice("nfs"), "");
  EXPECT_EQ(ValidFeatureEntries("nfs:on bogus:on tun ppp:on nfs:off"),
            (std::vector<Feature>{{"ppp", true}, {"nfs", false}}));
}

}  // namespace
}  // namespace vz::runtime::internal
