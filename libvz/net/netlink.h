// Netlink (libnl) for links, addresses, routes and proxy neighbours, in the
// node's network namespace or a container's. No `ip` subprocesses.
//
// A Netlink object owns one NETLINK_ROUTE socket bound to the namespace it
// was opened in (a socket keeps its namespace for life), so one object
// configures one namespace from any thread. Not thread-safe: one caller
// at a time per object.
//
// Errors carry the errno the kernel gave (EEXIST, ENODEV, EPERM, ...)
// through vz::ErrnoError, naming the object.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/net/address.h"

struct nl_sock;

namespace vz::net {

struct LinkInfo {
  int index = 0;
  std::string name;
  bool up = false;
  unsigned flags = 0;
  std::optional<Mac> mac;
  int master = 0;  // ifindex of the bridge, 0 if none
  uint64_t rx_bytes = 0, tx_bytes = 0, rx_packets = 0, tx_packets = 0;
};

class Netlink {
 public:
  ~Netlink();
  // The current network namespace, or the one `netns_fd` refers to (an
  // fd of /proc/<pid>/ns/net or a bind mount of it).
  static Result<std::unique_ptr<Netlink>> Open(int netns_fd = -1);

  Result<std::optional<LinkInfo>> FindLink(const std::string& name);
  Result<LinkInfo> GetLink(const std::string& name);
  // A veth pair: `name` here, `peer` in `peer_netns_fd` (-1: here too).
  Status CreateVeth(const std::string& name, const std::string& peer,
                    int peer_netns_fd = -1);
  Status CreateBridge(const std::string& name);
  Status DeleteLink(const std::string& name);
  Status SetUp(const std::string& name, bool up = true);
  Status SetMac(const std::string& name, const Mac& mac);
  Status SetNoArp(const std::string& name, bool noarp);
  Status SetMaster(const std::string& name, const std::string& bridge);
  Status Rename(const std::string& name, const std::string& new_name);
  Status MoveToNetns(const std::string& name, int netns_fd);

  Status AddAddress(const std::string& link, const Cidr& address);
  Status DelAddress(const std::string& link, const Cidr& address);
  Result<std::vector<Cidr>> Addresses(const std::string& link);

  // A route to `dst` through `link` (and `gateway`, if given).
  Status AddRoute(const Cidr& dst, const std::string& link,
                  const std::optional<Cidr>& gateway = std::nullopt);
  Status DelRoute(const Cidr& dst, const std::string& link);
  // The default route through `link` (on-link, no gateway: venet style).
  Status AddDefaultRoute(int family, const std::string& link,
                         const std::optional<Cidr>& gateway = std::nullopt);

  // Proxy ARP (IPv4) / proxy NDP (IPv6) entry for `address` on `link`.
  Status AddProxyNeighbour(const Cidr& address, const std::string& link);
  Status DelProxyNeighbour(const Cidr& address, const std::string& link);

  // The devices this namespace's routes to `address` leave through
  // (NEIGHBOUR_DEVS=detect).
  Result<std::vector<std::string>> RouteDevices(const Cidr& address);

  nl_sock* socket() { return sock_; }

 private:
  Netlink() = default;
  Result<int> Index(const std::string& name);
  Status ProxyNeighbour(const Cidr& address, const std::string& link, bool add);
  nl_sock* sock_ = nullptr;
};

// Runs `fn` on a thread that has joined the network namespace `netns_fd`
// (e.g. to read that namespace's /proc/sys/net). Returns fn's status.
Status InNetns(int netns_fd, const std::function<Status()>& fn);

// A sysctl of the current namespace: "net.ipv4.ip_forward", or the path
// form "net/ipv4/conf/vzv1.0/proxy_arp" when a device name holds dots.
Result<std::string> ReadSysctl(const std::string& key);
Status WriteSysctl(const std::string& key, const std::string& value);

}  // namespace vz::net
