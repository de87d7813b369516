// The Debian 12 template, built for real with debootstrap from the Debian
// mirror (slow: about a minute and a half), and containers made from it.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "test/integration/node_fixture.h"

namespace vz::testing {
namespace {

constexpr char kDebian[] = "debian-12-x86_64";

class DebianTemplateTest : public NodeFixture {};

TEST_F(DebianTemplateTest, BuildsSignsAndMakesContainersWithOwnIdentity) {
  auto b = Vztmpl({"build", "debian-12"});
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  EXPECT_NE(b.out.find("debootstrap"), std::string::npos);  // progress
  SignAndTrust(kDebian, "debian-");
  auto info = Vztmpl({"info", kDebian});
  for (const char* pkg :
       {"\npackage systemd ", "\npackage systemd-sysv ", "\npackage iproute2 ",
        "\npackage ifupdown ", "\npackage isc-dhcp-client ",
        "\npackage netbase ", "\npackage openssh-server "}) {
    EXPECT_NE(info.out.find(pkg), std::string::npos) << pkg;
  }
  // Cleaned of machine identity.
  ASSERT_EQ(Vzctl({"-q", "create", "101", "--ostemplate", kDebian}).exit_code,
            0);
  ASSERT_EQ(Vzctl({"-q", "create", "102", "--ostemplate", kDebian}).exit_code,
            0);
  EXPECT_EQ(Inode(Path("/vz/private/101/root.hdd/root.hds")),
            Inode(TemplateImage(kDebian)));
  ASSERT_EQ(Vzctl({"-q", "mount", "101"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"-q", "mount", "102"}).exit_code, 0);
  const std::string key = "/etc/ssh/ssh_host_ed25519_key.pub";
  auto k1 = ReadFile(Path("/vz/root/101" + std::string(key)));
  auto k2 = ReadFile(Path("/vz/root/102" + std::string(key)));
  ASSERT_TRUE(k1.has_value() && k2.has_value());
  EXPECT_NE(*k1, *k2);
  EXPECT_NE(*ReadFile(Path("/vz/root/101/etc/machine-id")),
            *ReadFile(Path("/vz/root/102/etc/machine-id")));
  EXPECT_TRUE(PathExists(Path("/vz/root/101/lib/systemd/systemd")));
  auto du = Vzctl({"du", "101"});
  EXPECT_NE(du.out.find("(with template debian-12-x86_64)"), std::string::npos);
  EXPECT_EQ(Vzctl({"-q", "destroy", "101"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"-q", "destroy", "102"}).exit_code, 0);
  EXPECT_EQ(Vztmpl({"verify", kDebian}).exit_code, 0);
}

}  // namespace
}  // namespace vz::testing
