// vzctl set's network options on a running container: routed addresses
// added and removed live (routes, proxy entries, filters), a duplicate
// address refused (78), host name, DNS and passwords set inside. vzctl and
// the monitor run in a network namespace of this test, so the container's
// host side never touches the node's network.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "test/integration/container_fixture.h"

namespace vz::testing {
namespace {

class NetSetTest : public ContainerFixture {};

TEST_F(NetSetTest, LiveAddressesHostnameDnsAndPasswords) {
  MakeDirContainer("101", "IP_ADDRESS=\"10.77.0.2\"\nHOSTNAME=\"one\"\n");
  MakeDirContainer("102", "IP_ADDRESS=\"10.77.0.9\"\n");  // stopped
  const std::string vzctl = BuildDir() + "/vzctl/vzctl --root " + root_;
  const std::string script =
      "ip link set lo up && ip addr add 10.77.0.1/32 dev lo && " + vzctl +
      " start 101 --premounted || exit 1\n"
      "ping() { /bin/busybox ping -c1 -W2 $1 >/dev/null 2>&1 && echo "
      "reach-$1 || echo miss-$1; }\n" +
      vzctl + " set 101 --ipadd 10.77.0.3 --save; echo add=$?\n" +
      "ping 10.77.0.3\n" + vzctl +
      " set 101 --ipdel 10.77.0.2 --save; echo del=$?\n"
      "ping 10.77.0.2; ping 10.77.0.3\n"
      "ip route | grep -c '10.77.0.2' | sed 's/^/routes2=/'\n" +
      vzctl + " set 101 --ipadd 10.77.0.9 --save; echo dup=$?\n" + vzctl +
      " set 101 --ipadd 10.77.0.3; echo again=$?\n";
  auto r = RunSubprocess({"unshare", "--net", "sh", "-c", script});
  ASSERT_TRUE(r.has_value());
  const std::string& out = r->out;
  EXPECT_NE(out.find("add=0\nreach-10.77.0.3"), std::string::npos)
      << out << r->err;
  EXPECT_NE(out.find("del=0\nmiss-10.77.0.2\nreach-10.77.0.3"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("routes2=0"), std::string::npos) << out;
  EXPECT_NE(out.find("dup=78"), std::string::npos) << out << r->err;
  EXPECT_NE(r->err.find("already used by container '102'"), std::string::npos);
  EXPECT_NE(out.find("again=78"), std::string::npos) << out;  // its own
  auto conf = *ReadFile(Path("/etc/vz/conf/101.conf"));
  EXPECT_NE(conf.find("IP_ADDRESS=\"10.77.0.3\""), std::string::npos) << conf;
  auto addrs = Vzctl({"exec2", "101", "ip -4 -o addr show venet0"}).out;
  EXPECT_NE(addrs.find("10.77.0.3/32"), std::string::npos) << addrs;
  EXPECT_EQ(addrs.find("10.77.0.2/32"), std::string::npos) << addrs;

  // Inside: host name, DNS, passwords (never saved).
  auto h = Vzctl({"set", "101", "--hostname", "two.example", "--nameserver",
                  "192.0.2.53", "--searchdomain", "example.org", "--save"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(Vzctl({"exec2", "101", "hostname"}).out, "two.example\n");
  auto resolv = Vzctl({"exec2", "101", "cat /etc/resolv.conf"}).out;
  EXPECT_NE(resolv.find("nameserver 192.0.2.53"), std::string::npos) << resolv;
  EXPECT_NE(resolv.find("search example.org"), std::string::npos) << resolv;
  const std::string shadow_before =
      Vzctl({"exec2", "101", "grep ^root: /etc/shadow"}).out;
  auto p = Vzctl({"set", "101", "--userpasswd", "root:s3cret-Pass"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(Vzctl({"exec2", "101", "grep ^root: /etc/shadow"}).out,
            shadow_before);
  EXPECT_EQ(ReadFile(Path("/etc/vz/conf/101.conf"))->find("s3cret"),
            std::string::npos);
  EXPECT_EQ(Vzctl({"set", "101", "--userpasswd", "nocolon"}).exit_code, 74);
  EXPECT_EQ(Vzctl({"set", "102", "--userpasswd", "root:x"}).exit_code, 31);
  EXPECT_EQ(Vzctl({"set", "101", "--nameserver", "not-an-ip"}).exit_code, 72);
  EXPECT_EQ(Vzctl({"set", "101", "--ipadd", "300.1.1.1"}).exit_code, 71)
      << Vzctl({"set", "101", "--ipadd", "300.1.1.1"}).err;
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
}

}  // namespace
}  // namespace vz::testing
