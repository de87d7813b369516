#include "libvz/net/netlink.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/net/libnl.h"

namespace vz::net {
namespace {

// libnl's error codes, as the errno they stand for.
int ToErrno(int nlerr) {
  switch (-nlerr) {
    case NLE_EXIST:
      return EEXIST;
    case NLE_NODEV:
    case NLE_OBJ_NOTFOUND:
      return ENODEV;
    case NLE_PERM:
      return EPERM;
    case NLE_BUSY:
      return EBUSY;
    case NLE_INVAL:
    case NLE_RANGE:
      return EINVAL;
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_NOACCESS:
      return EACCES;
    case NLE_AF_NOSUPPORT:
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    case NLE_NOADDR:
      return EADDRNOTAVAIL;
    default:
      return EIO;
  }
}

Status NlError(int err, const std::string& what) {
  return ErrnoError(ToErrno(err), what);
}

// Frees through the table's `Free` call.
template <typename T, void (*(LibNl::*Free))(T*)>
struct NlFree {
  void operator()(T* p) const {
    if (p) (Nl().*Free)(p);
  }
};
using Link =
    std::unique_ptr<rtnl_link, NlFree<rtnl_link, &LibNl::rtnl_link_put>>;
using Addr =
    std::unique_ptr<rtnl_addr, NlFree<rtnl_addr, &LibNl::rtnl_addr_put>>;
using Route =
    std::unique_ptr<rtnl_route, NlFree<rtnl_route, &LibNl::rtnl_route_put>>;
using Neigh =
    std::unique_ptr<rtnl_neigh, NlFree<rtnl_neigh, &LibNl::rtnl_neigh_put>>;
using NlAddr = std::unique_ptr<nl_addr, NlFree<nl_addr, &LibNl::nl_addr_put>>;
using Cache =
    std::unique_ptr<nl_cache, NlFree<nl_cache, &LibNl::nl_cache_free>>;

NlAddr ToNl(const Cidr& c) {
  nl_addr* a = Nl().nl_addr_build(c.family, c.bytes.data(), c.v4() ? 4 : 16);
  if (a) Nl().nl_addr_set_prefixlen(a, c.prefix);
  return NlAddr(a);
}

Result<Link> GetKernelLink(nl_sock* sk, const std::string& name) {
  rtnl_link* l = nullptr;
  int err = Nl().rtnl_link_get_kernel(sk, 0, name.c_str(), &l);
  if (err < 0) return NlError(err, "find link '" + name + "'");
  return Link(l);
}

Status Change(nl_sock* sk, const std::string& name,
              const std::function<void(rtnl_link*)>& set,
              const std::string& what) {
  VZ_ASSIGN_OR_RETURN(Link orig, GetKernelLink(sk, name));
  Link change(Nl().rtnl_link_alloc());
  set(change.get());
  int err = Nl().rtnl_link_change(sk, orig.get(), change.get(), 0);
  if (err < 0) return NlError(err, what + " '" + name + "'");
  return OkStatus();
}

}  // namespace

Status InNetns(int netns_fd, const std::function<Status()>& fn) {
  Status result;
  std::thread t([&] {
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) {
      result = ErrnoError(errno, "join network namespace");
      return;
    }
    result = fn();
  });
  t.join();
  return result;
}

Netlink::~Netlink() {
  if (sock_) Nl().nl_socket_free(sock_);
}

Result<std::unique_ptr<Netlink>> Netlink::Open(int netns_fd) {
  VZ_RETURN_IF_ERROR(LoadLibNl().status());
  std::unique_ptr<Netlink> n(new Netlink());
  VZ_RETURN_IF_ERROR(InNetns(netns_fd, [&]() -> Status {
    n->sock_ = Nl().nl_socket_alloc();
    if (!n->sock_) return ResourceExhaustedError("allocate a netlink socket");
    int err = Nl().nl_connect(n->sock_, NETLINK_ROUTE);
    if (err < 0) return NlError(err, "connect to rtnetlink");
    return OkStatus();
  }));
  return n;
}

Result<int> Netlink::Index(const std::string& name) {
  VZ_ASSIGN_OR_RETURN(Link l, GetKernelLink(sock_, name));
  return Nl().rtnl_link_get_ifindex(l.get());
}

Result<std::optional<LinkInfo>> Netlink::FindLink(const std::string& name) {
  rtnl_link* raw = nullptr;
  int err = Nl().rtnl_link_get_kernel(sock_, 0, name.c_str(), &raw);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
    return std::optional<LinkInfo>();
  if (err < 0) return NlError(err, "find link '" + name + "'");
  Link l(raw);
  LinkInfo info;
  info.index = Nl().rtnl_link_get_ifindex(l.get());
  info.name = Nl().rtnl_link_get_name(l.get());
  info.flags = Nl().rtnl_link_get_flags(l.get());
  info.up = info.flags & IFF_UP;
  info.master = Nl().rtnl_link_get_master(l.get());
  if (nl_addr* a = Nl().rtnl_link_get_addr(l.get());
      a && Nl().nl_addr_get_len(a) == 6) {
    Mac m;
    std::memcpy(m.bytes.data(), Nl().nl_addr_get_binary_addr(a), 6);
    info.mac = m;
  }
  info.rx_bytes = Nl().rtnl_link_get_stat(l.get(), RTNL_LINK_RX_BYTES);
  info.tx_bytes = Nl().rtnl_link_get_stat(l.get(), RTNL_LINK_TX_BYTES);
  info.rx_packets = Nl().rtnl_link_get_stat(l.get(), RTNL_LINK_RX_PACKETS);
  info.tx_packets = Nl().rtnl_link_get_stat(l.get(), RTNL_LINK_TX_PACKETS);
  return std::optional<LinkInfo>(info);
}

Result<LinkInfo> Netlink::GetLink(const std::string& name) {
  VZ_ASSIGN_OR_RETURN(auto l, FindLink(name));
  if (!l) return ErrnoError(ENODEV, "find link '" + name + "'");
  return *l;
}

Status Netlink::CreateVeth(const std::string& name, const std::string& peer,
                           int peer_netns_fd) {
  Link l(Nl().rtnl_link_veth_alloc());
  if (!l) return ResourceExhaustedError("allocate a veth");
  Nl().rtnl_link_set_name(l.get(), name.c_str());
  rtnl_link* p = Nl().rtnl_link_veth_get_peer(l.get());
  Nl().rtnl_link_set_name(p, peer.c_str());
  if (peer_netns_fd >= 0) Nl().rtnl_link_set_ns_fd(p, peer_netns_fd);
  Nl().rtnl_link_put(p);
  int err = Nl().rtnl_link_add(sock_, l.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0) return NlError(err, "create veth '" + name + "'");
  return OkStatus();
}

Status Netlink::CreateBridge(const std::string& name) {
  Link l(Nl().rtnl_link_alloc());
  Nl().rtnl_link_set_name(l.get(), name.c_str());
  int err = Nl().rtnl_link_set_type(l.get(), "bridge");
  if (err >= 0)
    err = Nl().rtnl_link_add(sock_, l.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0) return NlError(err, "create bridge '" + name + "'");
  return OkStatus();
}

Status Netlink::DeleteLink(const std::string& name) {
  Link l(Nl().rtnl_link_alloc());
  Nl().rtnl_link_set_name(l.get(), name.c_str());
  int err = Nl().rtnl_link_delete(sock_, l.get());
  if (err < 0) return NlError(err, "delete link '" + name + "'");
  return OkStatus();
}

Status Netlink::SetUp(const std::string& name, bool up) {
  return Change(
      sock_, name,
      [&](rtnl_link* c) {
        if (up) {
          Nl().rtnl_link_set_flags(c, IFF_UP);
        } else {
          Nl().rtnl_link_unset_flags(c, IFF_UP);
        }
      },
      up ? "bring up" : "bring down");
}

Status Netlink::SetMac(const std::string& name, const Mac& mac) {
  NlAddr a(Nl().nl_addr_build(AF_LLC, mac.bytes.data(), 6));
  return Change(
      sock_, name, [&](rtnl_link* c) { Nl().rtnl_link_set_addr(c, a.get()); },
      "set the MAC of");
}

Status Netlink::SetNoArp(const std::string& name, bool noarp) {
  return Change(
      sock_, name,
      [&](rtnl_link* c) {
        if (noarp) {
          Nl().rtnl_link_set_flags(c, IFF_NOARP);
        } else {
          Nl().rtnl_link_unset_flags(c, IFF_NOARP);
        }
      },
      "set NOARP on");
}

Status Netlink::SetMaster(const std::string& name, const std::string& bridge) {
  VZ_ASSIGN_OR_RETURN(int b, Index(bridge));
  return Change(
      sock_, name, [&](rtnl_link* c) { Nl().rtnl_link_set_master(c, b); },
      "attach to '" + bridge + "'");
}

Status Netlink::Rename(const std::string& name, const std::string& new_name) {
  return Change(
      sock_, name,
      [&](rtnl_link* c) { Nl().rtnl_link_set_name(c, new_name.c_str()); },
      "rename");
}

Status Netlink::MoveToNetns(const std::string& name, int netns_fd) {
  return Change(
      sock_, name, [&](rtnl_link* c) { Nl().rtnl_link_set_ns_fd(c, netns_fd); },
      "move to the container's namespace");
}

Status Netlink::AddAddress(const std::string& link, const Cidr& address) {
  VZ_ASSIGN_OR_RETURN(int idx, Index(link));
  Addr a(Nl().rtnl_addr_alloc());
  Nl().rtnl_addr_set_ifindex(a.get(), idx);
  NlAddr local = ToNl(address);
  Nl().rtnl_addr_set_local(a.get(), local.get());
  Nl().rtnl_addr_set_prefixlen(a.get(), address.prefix);
  if (!address.v4())
    Nl().rtnl_addr_set_flags(a.get(), IFA_F_NODAD);  // usable at once
  int err = Nl().rtnl_addr_add(sock_, a.get(), NLM_F_EXCL);
  if (err < 0)
    return NlError(
        err, "add address '" + address.ToString() + "' to '" + link + "'");
  return OkStatus();
}

Status Netlink::DelAddress(const std::string& link, const Cidr& address) {
  VZ_ASSIGN_OR_RETURN(int idx, Index(link));
  Addr a(Nl().rtnl_addr_alloc());
  Nl().rtnl_addr_set_ifindex(a.get(), idx);
  NlAddr local = ToNl(address);
  Nl().rtnl_addr_set_local(a.get(), local.get());
  Nl().rtnl_addr_set_prefixlen(a.get(), address.prefix);
  int err = Nl().rtnl_addr_delete(sock_, a.get(), 0);
  if (err < 0)
    return NlError(
        err, "delete address '" + address.ToString() + "' from '" + link + "'");
  return OkStatus();
}

Result<std::vector<Cidr>> Netlink::Addresses(const std::string& link) {
  VZ_ASSIGN_OR_RETURN(int idx, Index(link));
  nl_cache* raw = nullptr;
  int err = Nl().rtnl_addr_alloc_cache(sock_, &raw);
  if (err < 0) return NlError(err, "list addresses");
  Cache cache(raw);
  std::vector<Cidr> out;
  for (nl_object* o = Nl().nl_cache_get_first(cache.get()); o;
       o = Nl().nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (Nl().rtnl_addr_get_ifindex(a) != idx) continue;
    nl_addr* l = Nl().rtnl_addr_get_local(a);
    Cidr c;
    c.family = Nl().nl_addr_get_family(l);
    if (c.family != AF_INET && c.family != AF_INET6) continue;
    std::memcpy(c.bytes.data(), Nl().nl_addr_get_binary_addr(l),
                Nl().nl_addr_get_len(l));
    c.prefix = Nl().rtnl_addr_get_prefixlen(a);
    out.push_back(c);
  }
  return out;
}

Status Netlink::AddRoute(const Cidr& dst, const std::string& link,
                         const std::optional<Cidr>& gateway) {
  VZ_ASSIGN_OR_RETURN(int idx, Index(link));
  Route r(Nl().rtnl_route_alloc());
  NlAddr d = ToNl(dst);
  Nl().rtnl_route_set_family(r.get(), static_cast<uint8_t>(dst.family));
  Nl().rtnl_route_set_dst(r.get(), d.get());
  rtnl_nexthop* nh = Nl().rtnl_route_nh_alloc();
  Nl().rtnl_route_nh_set_ifindex(nh, idx);
  NlAddr gw;
  if (gateway) {
    gw = ToNl(gateway->Host());
    Nl().rtnl_route_nh_set_gateway(nh, gw.get());
  } else {
    Nl().rtnl_route_set_scope(r.get(), RT_SCOPE_LINK);
  }
  Nl().rtnl_route_add_nexthop(r.get(), nh);
  int err = Nl().rtnl_route_add(sock_, r.get(), NLM_F_EXCL);
  if (err < 0)
    return NlError(err,
                   "add route to '" + dst.ToString() + "' via '" + link + "'");
  return OkStatus();
}

Status Netlink::AddDefaultRoute(int family, const std::string& link,
                                const std::optional<Cidr>& gateway) {
  Cidr any;
  any.family = family;
  any.prefix = 0;
  return AddRoute(any, link, gateway);
}

Status Netlink::DelRoute(const Cidr& dst, const std::string& link) {
  VZ_ASSIGN_OR_RETURN(int idx, Index(link));
  Route r(Nl().rtnl_route_alloc());
  NlAddr d = ToNl(dst);
  Nl().rtnl_route_set_family(r.get(), static_cast<uint8_t>(dst.family));
  Nl().rtnl_route_set_dst(r.get(), d.get());
  rtnl_nexthop* nh = Nl().rtnl_route_nh_alloc();
  Nl().rtnl_route_nh_set_ifindex(nh, idx);
  Nl().rtnl_route_add_nexthop(r.get(), nh);
  int err = Nl().rtnl_route_delete(sock_, r.get(), 0);
  if (err < 0) return NlError(err, "delete route to '" + dst.ToString() + "'");
  return OkStatus();
}

Status Netlink::ProxyNeighbour(const Cidr& address, const std::string& link,
                               bool add) {
  VZ_ASSIGN_OR_RETURN(int idx, Index(link));
  Neigh n(Nl().rtnl_neigh_alloc());
  Nl().rtnl_neigh_set_ifindex(n.get(), idx);
  NlAddr d = ToNl(address.Host());
  Nl().rtnl_neigh_set_dst(n.get(), d.get());
  Nl().rtnl_neigh_set_flags(n.get(), NTF_PROXY);
  int err =
      add ? Nl().rtnl_neigh_add(sock_, n.get(), NLM_F_CREATE | NLM_F_REPLACE)
          : Nl().rtnl_neigh_delete(sock_, n.get(), 0);
  if (err < 0) {
    return NlError(err, std::string(add ? "add" : "delete") +
                            " proxy neighbour '" + address.Address() +
                            "' on '" + link + "'");
  }
  return OkStatus();
}

Status Netlink::AddProxyNeighbour(const Cidr& address,
                                  const std::string& link) {
  return ProxyNeighbour(address, link, true);
}

Status Netlink::DelProxyNeighbour(const Cidr& address,
                                  const std::string& link) {
  return ProxyNeighbour(address, link, false);
}

Result<std::vector<std::string>> Netlink::RouteDevices(const Cidr& address) {
  nl_cache* raw = nullptr;
  int err = Nl().rtnl_route_alloc_cache(sock_, address.family, 0, &raw);
  if (err < 0) return NlError(err, "list routes");
  Cache routes(raw);
  nl_cache* lraw = nullptr;
  err = Nl().rtnl_link_alloc_cache(sock_, AF_UNSPEC, &lraw);
  if (err < 0) return NlError(err, "list links");
  Cache links(lraw);
  std::vector<std::string> out;
  for (nl_object* o = Nl().nl_cache_get_first(routes.get()); o;
       o = Nl().nl_cache_get_next(o)) {
    auto* r = reinterpret_cast<rtnl_route*>(o);
    if (Nl().rtnl_route_get_table(r) != RT_TABLE_MAIN ||
        Nl().rtnl_route_get_type(r) != RTN_UNICAST)
      continue;
    nl_addr* dst = Nl().rtnl_route_get_dst(r);
    NlAddr target = ToNl(address.Host());
    if (dst && Nl().nl_addr_get_prefixlen(dst) > 0 &&
        Nl().nl_addr_cmp_prefix(dst, target.get()) != 0) {
      continue;
    }
    if (Nl().rtnl_route_get_nnexthops(r) == 0) continue;
    int idx = Nl().rtnl_route_nh_get_ifindex(Nl().rtnl_route_nexthop_n(r, 0));
    char name[IFNAMSIZ] = {};
    Nl().rtnl_link_i2name(links.get(), idx, name, sizeof name);
    if (name[0] && std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(name);
  }
  return out;
}

// "net.ipv4.ip_forward" or, when a device name holds dots, the path form
// "net/ipv4/conf/vzv1.0/proxy_arp".
std::string SysctlPath(const std::string& key) {
  std::string path = "/proc/sys/" + key;
  if (key.find('/') == std::string::npos) {
    for (size_t i = 10; i < path.size(); ++i) {
      if (path[i] == '.') path[i] = '/';
    }
  }
  return path;
}

Result<std::string> ReadSysctl(const std::string& key) {
  std::string path = SysctlPath(key);
  VZ_ASSIGN_OR_RETURN(std::string v, ReadFile(path));
  return std::string(Trim(v));
}

Status WriteSysctl(const std::string& key, const std::string& value) {
  std::string path = SysctlPath(key);
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "open '" + path + "'");
  ssize_t n = ::write(fd, value.data(), value.size());
  int e = errno;
  ::close(fd);
  if (n < 0) return ErrnoError(e, "write '" + path + "'");
  return OkStatus();
}

}  // namespace vz::net
