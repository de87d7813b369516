// NodeNet from vz.conf (doc/network.md §1): NEIGHBOUR_DEVS, VE_BRIDGE,
// TRAFFIC_SHAPING, TOTALRATE; accounting under <root>/var/lib/vz/net.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "libvz/net/container_net.h"
#include "libvz/node_config.h"
#include "libvz/ve_config.h"

namespace vz::net {

// Errors: a bad TOTALRATE (85), naming it.
Result<NodeNet> NodeNetOf(const NodeConfig& node);

// The container's network keys. Errors: as ReadNetConfig.
Result<NetConfig> NetConfigOf(const VeConfig& ve);

// The network keys of every other container of the node, by CTID; configs
// that do not read are skipped (they get their own errors elsewhere).
std::vector<std::pair<std::string, NetConfig>> OtherNetConfigs(
    const NodeConfig& node, const std::string& ctid);

}  // namespace vz::net
