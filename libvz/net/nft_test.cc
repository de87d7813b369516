#include "libvz/net/nft.h"

#include <gtest/gtest.h>

#include "base/testing/golden.h"

namespace vz::net {
namespace {

ContainerRules Example() {
  ContainerRules r;
  r.index = 7;
  r.routed_link = "vzr7";
  r.routed = {*ParseCidr("198.51.100.10"), *ParseCidr("2001:db8::10")};
  ContainerRules::Bridged b;
  b.host_link = "vzv7.0";
  b.mac = *ParseMac("02:00:00:00:00:07");
  b.ips = {*ParseCidr("192.0.2.7/24"), *ParseCidr("2001:db8:1::7/64")};
  r.bridged.push_back(b);
  ContainerRules::Bridged dhcp;
  dhcp.host_link = "vzv7.1";
  dhcp.mac = *ParseMac("02:00:00:00:01:07");
  dhcp.dhcp = dhcp.dhcp6 = true;
  r.bridged.push_back(dhcp);
  ContainerRules::Bridged open;
  open.host_link = "vzv7.2";
  open.mac = *ParseMac("02:00:00:00:02:07");
  open.mac_filter = false;
  r.bridged.push_back(open);
  return r;
}

TEST(NftTest, GeneratedRulesMatchTheGoldenFiles) {
  vz::testing::ExpectGolden("libvz/nft/node.nft", NodeTablesNft("vz"));
  vz::testing::ExpectGolden("libvz/nft/add-container.nft",
                            AddContainerNft("vz", Example()));
  vz::testing::ExpectGolden("libvz/nft/remove-container.nft",
                            RemoveContainerNft("vz", Example()));
}

TEST(NftTest, RoutedWithoutIpv4DropsAllIpv4) {
  ContainerRules r;
  r.index = 1;
  r.routed_link = "vzr1";
  r.routed = {*ParseCidr("2001:db8::1")};
  std::string s = AddContainerNft("vz", r);
  EXPECT_NE(s.find("meta nfproto ipv4 counter drop"), std::string::npos);
  EXPECT_NE(s.find("ip6 saddr != { 2001:db8::1, fe80::/10 }"),
            std::string::npos);
}

TEST(NftTest, NeighbourAdvertTargetsIncludeTheLinkLocalAddress) {
  std::string s = AddContainerNft("vz", Example());
  // fe80::ff:fe00:7 with the U/L bit of 02:00:00:00:00:07 flipped.
  EXPECT_NE(
      s.find(
          "@th,64,64 0xfe80000000000000 @th,128,64 0x000000fffe000007 return"),
      std::string::npos);
}

}  // namespace
}  // namespace vz::net
