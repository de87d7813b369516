// The node's side of container networking (doc/network.md): what vz.conf
// says about it, and a container's traffic this month. The per-container
// work (links, addresses, filters, shaping) is libvz's net component,
// driven by the runtime at start and stop and by `vzctl set`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/node_config.h"
#include "libvz/ve_config.h"

namespace vz {

struct InterfaceTraffic {
  uint64_t bytes_in = 0, bytes_out = 0, packets_in = 0, packets_out = 0;
};

// This month's traffic per container interface (venet0, eth0, ...): what
// earlier runs saved plus the live counters. Errors: a broken network key
// in the config (21/85).
Result<std::map<std::string, InterfaceTraffic>> ContainerTraffic(
    const NodeConfig& node, const VeConfig& ve);

// The container's addresses: IP_ADDRESS and those of its NETIF entries.
Result<std::vector<std::string>> ContainerAddresses(const VeConfig& ve);

// One network option of `vzctl set`, in the order given: `op` is ipadd,
// ipdel, netif_add, netif_del, nameserver, searchdomain, rate, ratebound,
// or, with `ifname` (from --ifname), one of ipadd ipdel gw gw6 dhcp dhcp6
// mac host_ifname host_mac bridge mac_filter.
struct NetEdit {
  std::string op;
  std::string value;
  std::string ifname;  // empty: not an interface's parameter
};

// Applies `edits` to the network keys of `ve` (IP_ADDRESS, NETIF,
// NAMESERVER, SEARCHDOMAIN, RATE, RATEBOUND). Errors: bad values (21, 71
// VZ_BADIP, 72, 73), naming them; an address another container of the
// node has: kAlreadyExists, exit 78 (VZ_IP_INUSE), naming it.
Status EditNetwork(const NodeConfig& node, VeConfig& ve,
                   const std::vector<NetEdit>& edits);

}  // namespace vz
