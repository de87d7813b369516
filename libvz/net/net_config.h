// The network part of a container's config (doc/network.md §1): routed
// addresses (IP_ADDRESS), bridged interfaces (NETIF), the network index,
// DNS settings and shaping rates; parsing, formatting (exact round trip of
// what vz writes) and the edits `vzctl set` makes (--ipadd, --ipdel,
// --netif_add, --netif_del, --ifname X ...).
//
// Values, not thread-safe when mutated. Errors are kInvalidArgument with
// vzctl's exit codes: 71 (bad IP), 21 (bad value), 78 (address in use).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "libvz/net/address.h"

namespace vz::net {

inline constexpr size_t kMaxNetifs = 16;
inline constexpr size_t kMaxAddresses = 256;

struct NetIf {
  std::string ifname;  // inside the container: eth0
  std::optional<Mac> mac;
  std::string host_ifname;  // empty: <prefix>v<N>.<i>
  std::optional<Mac> host_mac;
  std::string bridge;  // empty: the node's default bridge
  std::vector<Cidr> ips;
  std::optional<Cidr> gw, gw6;
  bool dhcp = false, dhcp6 = false;
  bool mac_filter = true;
  friend bool operator==(const NetIf&, const NetIf&) = default;
};

// One `dev:class:Kbit` of RATE or TOTALRATE.
struct Rate {
  std::string dev;  // "*" means every device
  uint32_t klass = 1;
  uint64_t kbit = 0;
  friend bool operator==(const Rate&, const Rate&) = default;
};

struct NetConfig {
  std::vector<Cidr> routed;  // IP_ADDRESS
  std::vector<NetIf> netifs;
  std::optional<uint32_t> index;         // NET_INDEX
  std::vector<std::string> nameservers;  // "inherit" allowed
  std::vector<std::string> searchdomains;
  std::vector<Rate> rates;
  bool ratebound = false;
};

// IP_ADDRESS: space-separated addresses. Duplicates are refused.
Result<std::vector<Cidr>> ParseAddressList(std::string_view text);
std::string FormatAddressList(const std::vector<Cidr>& list);
// NETIF: `;`-separated interfaces of `key=value,...`.
Result<std::vector<NetIf>> ParseNetifs(std::string_view text);
std::string FormatNetifs(const std::vector<NetIf>& netifs);
// RATE / TOTALRATE: space-separated `dev:class:Kbit`.
Result<std::vector<Rate>> ParseRates(std::string_view text);
std::string FormatRates(const std::vector<Rate>& rates);

// Reads the network keys of a config (key -> value lookup).
template <typename Get>
Result<NetConfig> ReadNetConfig(const Get& get);
// The keys and their new values (empty value: unset the key).
std::vector<std::pair<std::string, std::string>> NetConfigKeys(
    const NetConfig& c);

// --ipadd A[/M]: refuses an address the container already has (78).
Status AddRoutedAddress(NetConfig& c, std::string_view text);
// --ipdel A|all. Errors: the address is not the container's (21).
Status DelRoutedAddress(NetConfig& c, std::string_view text);
// --netif_add ifname[,mac,host_ifname,host_mac,bridge]. Errors: a name in
// use, more than kMaxNetifs, bad names or MACs.
Status AddNetif(NetConfig& c, std::string_view spec);
Status DelNetif(NetConfig& c, std::string_view ifname);
// --ifname X --<key> value: ipadd, ipdel, gw, gw6, dhcp, dhcp6, mac,
// host_ifname, host_mac, bridge, mac_filter.
Status SetNetifParam(NetConfig& c, std::string_view ifname,
                     std::string_view key, std::string_view value);

// Every address the config gives the container (routed and bridged).
std::vector<Cidr> AllAddresses(const NetConfig& c);

// A valid Linux interface name: 1-15 bytes, no '/', ':' or blanks.
Status ValidateIfname(std::string_view name);

}  // namespace vz::net

#include "libvz/net/net_config_read.h"
