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

}  // namespace vz
