// ContainerNet: a container's network at start, stop and on live changes
// (doc/network.md): links, addresses and routes through netlink in the
// node's and the container's namespaces, proxy ARP/NDP entries, the
// anti-spoofing and accounting chains in nftables, HTB classes.
//
// The caller holds the container lock. Start() undoes everything it did
// when a step fails. Not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "base/status.h"
#include "libvz/net/net_config.h"
#include "libvz/net/nft.h"

namespace vz::net {

struct NodeNet {
  std::string prefix = "vz";                // node prefix: names and nft tables
  std::vector<std::string> neighbour_devs;  // empty: detect from routes
  std::string default_bridge;               // empty: <prefix>br0
  bool shaping = false;
  std::vector<Rate> totalrate;
  std::string state_dir;  // <root>/var/lib/vz/net: accounting files
};

// Host-side name of the routed link and of bridged link `i`.
std::string RoutedHostLink(const NodeNet& node, uint32_t index);
std::string BridgedHostLink(const NodeNet& node, uint32_t index, size_t i);
std::string BridgeFor(const NodeNet& node, const NetIf& n);

class ContainerNet {
 public:
  ContainerNet(NodeNet node, std::string ctid, NetConfig config)
      : node_(std::move(node)),
        ctid_(std::move(ctid)),
        config_(std::move(config)) {}

  // Wires the container whose network namespace is `netns_fd` (already
  // holding its own loopback). config.index must be set.
  Status Start(int netns_fd);
  // Removes what Start made on the node and saves the traffic counters.
  // Idempotent: a second Stop (or one after a crash) finds nothing to do.
  Status Stop();

  // Live changes on a running container (vzctl set --ipadd/--ipdel).
  Status AddRouted(int netns_fd, const Cidr& address);
  Status DelRouted(int netns_fd, const Cidr& address);
  // This config's routed addresses replace `before`'s on the running
  // container: addresses, routes and proxy entries added and removed, the
  // anti-spoofing and accounting chains rebuilt (traffic so far saved).
  Status UpdateRouted(int netns_fd, const NetConfig& before);

  // This month's traffic per container-side interface: saved + live.
  Result<std::map<std::string, Traffic>> TrafficThisMonth();

  const NetConfig& config() const { return config_; }

 private:
  ContainerRules Rules() const;
  Status StartRouted(int netns_fd);
  Status StartBridged(int netns_fd, size_t i);
  Status SetupInside(int netns_fd);
  Result<std::vector<std::string>> NeighbourDevs(const Cidr& a);
  Status SaveTraffic();
  // (device, rate, ceil) for each of the container's RATE entries.
  std::vector<std::tuple<std::string, uint64_t, uint64_t>> ShapedDevices()
      const;

  NodeNet node_;
  std::string ctid_;
  NetConfig config_;
};

// The smallest network index no container in `used` has.
uint32_t FreeNetIndex(const std::vector<uint32_t>& used);

}  // namespace vz::net
