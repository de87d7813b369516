#include "libvz/net/node_net.h"

#include "base/strings.h"
#include "libvz/network.h"

namespace vz::net {

Result<NodeNet> NodeNetOf(const NodeConfig& node) {
  NodeNet n;
  const ConfigFile& f = node.file();
  n.prefix = node.root().prefix();
  if (auto v = f.Get("NEIGHBOUR_DEVS"); v && *v != "detect" && *v != "all") {
    n.neighbour_devs = SplitNonEmpty(*v, ' ');
  }
  if (auto v = f.Get("VE_BRIDGE")) n.default_bridge = *v;
  n.shaping = f.Get("TRAFFIC_SHAPING").value_or("no") == "yes";
  if (auto v = f.Get("TOTALRATE")) {
    VZ_ASSIGN_OR_RETURN(n.totalrate, ParseRates(*v));
  }
  n.state_dir = node.root().Path("/var/lib/vz/net");
  return n;
}

Result<NetConfig> NetConfigOf(const VeConfig& ve) {
  return ReadNetConfig([&](const char* key) { return ve.Get(key); });
}

}  // namespace vz::net

namespace vz {

Result<std::map<std::string, InterfaceTraffic>> ContainerTraffic(
    const NodeConfig& node, const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(net::NodeNet nn, net::NodeNetOf(node));
  VZ_ASSIGN_OR_RETURN(net::NetConfig nc, net::NetConfigOf(ve));
  net::ContainerNet cn(std::move(nn), ve.ctid(), std::move(nc));
  VZ_ASSIGN_OR_RETURN(auto traffic, cn.TrafficThisMonth());
  std::map<std::string, InterfaceTraffic> out;
  for (const auto& [ifname, t] : traffic) {
    out[ifname] = {t.bytes_in, t.bytes_out, t.packets_in, t.packets_out};
  }
  return out;
}

Result<std::vector<std::string>> ContainerAddresses(const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(net::NetConfig nc, net::NetConfigOf(ve));
  std::vector<std::string> out;
  for (const auto& c : nc.routed) out.push_back(c.Address());
  for (const auto& n : nc.netifs) {
    for (const auto& c : n.ips) out.push_back(c.Address());
  }
  return out;
}

}  // namespace vz
