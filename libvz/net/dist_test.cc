#include "libvz/net/dist.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"

namespace vz::net {
namespace {

std::string Dists() { return vz::testing::SourceDir() + "/templates/dists"; }

// Runs `action`'s script for `distro` on a directory tree, as the runtime
// runs it inside a container.
void RunScript(const std::string& distro, DistAction action,
               std::vector<std::string> env, const std::string& root) {
  auto script = DistScript(Dists(), distro, action);
  ASSERT_TRUE(script.has_value()) << script.error().message();
  SubprocessOptions o;
  env.push_back("VZ_ROOT_DIR=" + root);
  o.env = env;
  auto r = RunSubprocess({"sh", "-c", *script, "vz-dist"}, o);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->exit_code, 0) << r->err;
}

NetConfig Example() {
  NetConfig c;
  EXPECT_TRUE(AddRoutedAddress(c, "198.51.100.10").ok());
  EXPECT_TRUE(AddNetif(c, "eth0").ok());
  EXPECT_TRUE(SetNetifParam(c, "eth0", "ipadd", "192.0.2.7/24").ok());
  EXPECT_TRUE(SetNetifParam(c, "eth0", "gw", "192.0.2.1").ok());
  EXPECT_TRUE(AddNetif(c, "eth1").ok());
  EXPECT_TRUE(SetNetifParam(c, "eth1", "dhcp", "yes").ok());
  EXPECT_TRUE(SetNetifParam(c, "eth1", "dhcp6", "yes").ok());
  return c;
}

TEST(DistTest, DebianNetworkFiles) {
  vz::testing::TempDir root;
  RunScript("debian", DistAction::kNetwork, NetworkEnv(Example()), root.path());
  vz::testing::ExpectGolden(
      "libvz/dists/debian-interfaces.d-vz",
      *ReadFile(root.Join("etc/network/interfaces.d/vz")));
  EXPECT_NE(ReadFile(root.Join("etc/network/interfaces"))
                ->find("source /etc/network/interfaces.d/*"),
            std::string::npos);
}

TEST(DistTest, BusyboxUsesTheGenericScripts) {
  vz::testing::TempDir root;
  RunScript("busybox", DistAction::kNetwork, NetworkEnv(Example()),
            root.path());
  vz::testing::ExpectGolden("libvz/dists/generic-vz-network",
                            *ReadFile(root.Join("etc/vz-network")));
}

TEST(DistTest, HostnameAndHosts) {
  vz::testing::TempDir root;
  ASSERT_TRUE(MakeDirs(root.Join("etc")).ok());
  ASSERT_TRUE(WriteFileAtomic(root.Join("etc/hosts"),
                              "127.0.0.1\tlocalhost\n127.0.1.1\told\n")
                  .ok());
  RunScript("debian", DistAction::kHostname, HostnameEnv("web1.example.com"),
            root.path());
  EXPECT_EQ(*ReadFile(root.Join("etc/hostname")), "web1.example.com\n");
  EXPECT_EQ(*ReadFile(root.Join("etc/hosts")),
            "127.0.0.1\tlocalhost\n127.0.1.1\tweb1.example.com web1\n");
}

TEST(DistTest, ResolvConf) {
  vz::testing::TempDir root;
  auto ns = ResolveNameservers({"inherit", "2001:db8::53"},
                               "# node\nnameserver 192.0.2.53\nsearch x\n");
  ASSERT_TRUE(ns.has_value());
  RunScript("busybox", DistAction::kDns, DnsEnv(*ns, {"example.com"}),
            root.path());
  EXPECT_EQ(*ReadFile(root.Join("etc/resolv.conf")),
            "# Written by vz (vzctl set --nameserver/--searchdomain).\nsearch "
            "example.com\n"
            "nameserver 192.0.2.53\nnameserver 2001:db8::53\n");
}

TEST(DistTest, BadDnsValues) {
  EXPECT_EQ(ResolveNameservers({"not-an-ip"}, "").error().exit_code(), 72);
  EXPECT_EQ(ResolveNameservers({"10.0.0.1/24"}, "").error().exit_code(), 72);
  EXPECT_EQ(ValidateSearchDomains({"bad_domain!"}).exit_code(), 73);
  EXPECT_TRUE(ValidateSearchDomains({"example.com", "corp"}).ok());
}

TEST(DistTest, UnknownDistroFallsBackToGeneric) {
  EXPECT_TRUE(
      DistScript(Dists(), "slackware", DistAction::kHostname).has_value());
  EXPECT_FALSE(
      DistScript("/nonexistent", "debian", DistAction::kHostname).has_value());
}

}  // namespace
}  // namespace vz::net
