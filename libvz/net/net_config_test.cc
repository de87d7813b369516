#include "libvz/net/net_config.h"

#include <map>

#include <gtest/gtest.h>

namespace vz::net {
namespace {

TEST(AddressTest, ParseAndFormat) {
  auto a = *ParseCidr("10.1.2.3");
  EXPECT_TRUE(a.v4());
  EXPECT_EQ(a.prefix, 32);
  EXPECT_EQ(a.ToString(), "10.1.2.3/32");
  auto b = *ParseCidr("2001:DB8::5/64");
  EXPECT_FALSE(b.v4());
  EXPECT_EQ(b.ToString(), "2001:db8::5/64");
  EXPECT_EQ(b.Host().prefix, 128);
  EXPECT_TRUE(SameAddress(*ParseCidr("10.1.2.3/24"), a));
}

TEST(AddressTest, BadAddresses) {
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/x", "0.0.0.0",
        "127.0.0.1", "224.0.0.1", "255.255.255.255", "::", "::1", "ff02::1",
        "2001:db8::/129", "hello", "1.2.3.4 "}) {
    auto r = ParseCidr(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().exit_code(), 71) << bad;
  }
}

TEST(AddressTest, Macs) {
  EXPECT_EQ(ParseMac("02:AB:cd:EF:01:23")->ToString(), "02:ab:cd:ef:01:23");
  EXPECT_TRUE(ParseMac("02-ab-cd-ef-01-23").has_value());
  for (const char* bad : {"", "02:ab:cd:ef:01", "01:00:5e:00:00:01",
                          "00:00:00:00:00:00", "02:ab:cd:ef:01:2g"}) {
    EXPECT_FALSE(ParseMac(bad).has_value()) << bad;
  }
  Mac m = DeriveMac("vz/101/0");
  EXPECT_EQ(m, DeriveMac("vz/101/0"));  // stable
  EXPECT_NE(m, DeriveMac("vz/101/1"));
  EXPECT_EQ(m.bytes[0], 0x02);  // local, unicast
}

TEST(NetConfigTest, RoundTripOfWhatWeWrite) {
  NetConfig c;
  c.index = 7;
  ASSERT_TRUE(AddRoutedAddress(c, "10.0.0.5").ok());
  ASSERT_TRUE(AddRoutedAddress(c, "2001:db8::5/64").ok());
  ASSERT_TRUE(AddNetif(c, "eth0,02:00:00:00:00:01,veth101.0,,br1").ok());
  ASSERT_TRUE(SetNetifParam(c, "eth0", "ipadd", "192.0.2.5/24").ok());
  ASSERT_TRUE(SetNetifParam(c, "eth0", "gw", "192.0.2.1").ok());
  ASSERT_TRUE(SetNetifParam(c, "eth0", "mac_filter", "off").ok());
  ASSERT_TRUE(AddNetif(c, "eth1").ok());
  ASSERT_TRUE(SetNetifParam(c, "eth1", "dhcp", "yes").ok());
  c.rates = *ParseRates("eth0:1:4000 *:2:1000");
  std::map<std::string, std::string> keys;
  for (auto& [k, v] : NetConfigKeys(c)) keys[k] = v;
  EXPECT_EQ(keys["IP_ADDRESS"], "10.0.0.5 2001:db8::5/64");
  EXPECT_EQ(keys["NETIF"],
            "ifname=eth0,mac=02:00:00:00:00:01,host_ifname=veth101.0,bridge="
            "br1,ip=192.0.2.5/24,"
            "gw=192.0.2.1,mac_filter=off;ifname=eth1,dhcp=yes");
  EXPECT_EQ(keys["RATE"], "eth0:1:4000 *:2:1000");
  auto get = [&](const std::string& k) -> std::optional<std::string> {
    auto it = keys.find(k);
    if (it == keys.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  auto back = ReadNetConfig(get);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->routed, c.routed);
  EXPECT_EQ(back->netifs, c.netifs);
  EXPECT_EQ(back->index, c.index);
  EXPECT_EQ(back->rates, c.rates);
}

TEST(NetConfigTest, EditsAndTheirErrors) {
  NetConfig c;
  ASSERT_TRUE(AddRoutedAddress(c, "10.0.0.5").ok());
  auto dup = AddRoutedAddress(c, "10.0.0.5/24");
  EXPECT_EQ(dup.exit_code(), 78);
  EXPECT_EQ(DelRoutedAddress(c, "10.0.0.6").exit_code(), 21);
  EXPECT_TRUE(DelRoutedAddress(c, "all").ok());
  EXPECT_TRUE(c.routed.empty());
  EXPECT_FALSE(AddNetif(c, "").ok());
  EXPECT_FALSE(AddNetif(c, "this-name-is-too-long").ok());
  EXPECT_FALSE(AddNetif(c, "eth0,zz:zz:zz:zz:zz:zz").ok());
  ASSERT_TRUE(AddNetif(c, "eth0").ok());
  EXPECT_FALSE(AddNetif(c, "eth0").ok());
  EXPECT_FALSE(SetNetifParam(c, "eth9", "ipadd", "10.0.0.9").ok());
  EXPECT_FALSE(SetNetifParam(c, "eth0", "gw", "2001:db8::1").ok());
  EXPECT_FALSE(SetNetifParam(c, "eth0", "dhcp", "maybe").ok());
  EXPECT_FALSE(SetNetifParam(c, "eth0", "color", "blue").ok());
  for (int i = 1; i < 16; ++i)
    ASSERT_TRUE(AddNetif(c, "eth" + std::to_string(i)).ok());
  auto many = AddNetif(c, "eth16");
  EXPECT_FALSE(many.ok());
  EXPECT_NE(many.message().find("too many"), std::string::npos);
  EXPECT_TRUE(DelNetif(c, "eth3").ok());
  EXPECT_FALSE(DelNetif(c, "eth3").ok());
}

TEST(NetConfigTest, BadConfigValues) {
  EXPECT_FALSE(ParseNetifs("mac=02:00:00:00:00:01").has_value());  // no ifname
  EXPECT_FALSE(ParseNetifs("ifname=eth0;ifname=eth0").has_value());
  EXPECT_FALSE(ParseNetifs("ifname=eth0,bogus").has_value());
  EXPECT_FALSE(ParseAddressList("10.0.0.1 10.0.0.1").has_value());
  EXPECT_FALSE(ParseRates("eth0:1").has_value());
  EXPECT_FALSE(ParseRates("eth0:0:100").has_value());
  EXPECT_FALSE(ParseRates("eth0:1:1").has_value());
}

}  // namespace
}  // namespace vz::net
