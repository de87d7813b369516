#include "libvz/net/container_net.h"

#include <sys/socket.h>

#include <algorithm>
#include <ctime>

#include "base/file_util.h"
#include "base/log.h"
#include "base/reverter.h"
#include "base/size.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/net/netlink.h"
#include "libvz/net/shaping.h"

namespace vz::net {
namespace {

constexpr char kVenet[] = "venet0";

std::string Month() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m", &tm);
  return buf;
}

Status EnableSysctl(const std::string& key) {
  auto v = ReadSysctl(key);
  if (v.has_value() && *v == "1") return OkStatus();
  return WriteSysctl(key, "1");
}

}  // namespace

std::string RoutedHostLink(const NodeNet& node, uint32_t index) {
  return node.prefix + "r" + std::to_string(index);
}

std::string BridgedHostLink(const NodeNet& node, uint32_t index, size_t i) {
  return node.prefix + "v" + std::to_string(index) + "." + std::to_string(i);
}

std::string BridgeFor(const NodeNet& node, const NetIf& n) {
  if (!n.bridge.empty()) return n.bridge;
  return node.default_bridge.empty() ? node.prefix + "br0"
                                     : node.default_bridge;
}

uint32_t FreeNetIndex(const std::vector<uint32_t>& used) {
  uint32_t i = 1;
  while (std::find(used.begin(), used.end(), i) != used.end()) ++i;
  return i;
}

ContainerRules ContainerNet::Rules() const {
  ContainerRules r;
  r.index = *config_.index;
  if (!config_.routed.empty()) {
    r.routed_link = RoutedHostLink(node_, r.index);
    r.routed = config_.routed;
  }
  for (size_t i = 0; i < config_.netifs.size(); ++i) {
    const NetIf& n = config_.netifs[i];
    ContainerRules::Bridged b;
    b.host_link = n.host_ifname.empty() ? BridgedHostLink(node_, r.index, i)
                                        : n.host_ifname;
    b.mac =
        n.mac ? *n.mac
              : DeriveMac(node_.prefix + "/" + ctid_ + "/" + std::to_string(i));
    b.ips = n.ips;
    b.dhcp = n.dhcp;
    b.dhcp6 = n.dhcp6;
    b.mac_filter = n.mac_filter;
    r.bridged.push_back(b);
  }
  return r;
}

Result<std::vector<std::string>> ContainerNet::NeighbourDevs(const Cidr& a) {
  if (!node_.neighbour_devs.empty()) return node_.neighbour_devs;
  VZ_ASSIGN_OR_RETURN(auto nl, Netlink::Open());
  VZ_ASSIGN_OR_RETURN(auto devs, nl->RouteDevices(a));
  std::string own = RoutedHostLink(node_, *config_.index);
  devs.erase(std::remove(devs.begin(), devs.end(), own), devs.end());
  return devs;
}

Status ContainerNet::StartRouted(int netns_fd) {
  VZ_ASSIGN_OR_RETURN(auto host, Netlink::Open());
  VZ_ASSIGN_OR_RETURN(auto inside, Netlink::Open(netns_fd));
  std::string link = RoutedHostLink(node_, *config_.index);
  Reverter undo;
  VZ_RETURN_IF_ERROR(host->CreateVeth(link, kVenet, netns_fd));
  undo.Add([&] { (void)host->DeleteLink(link); });
  // venet is point to point: no ARP on either end, and one MAC for both,
  // so frames (addressed by a NOARP device to its own MAC) are accepted as
  // the other end's own.
  Mac mac = DeriveMac(node_.prefix + "/" + ctid_ + "/venet");
  VZ_RETURN_IF_ERROR(host->SetMac(link, mac));
  VZ_RETURN_IF_ERROR(host->SetNoArp(link, true));
  VZ_RETURN_IF_ERROR(host->SetUp(link));
  VZ_RETURN_IF_ERROR(inside->SetMac(kVenet, mac));
  VZ_RETURN_IF_ERROR(inside->SetNoArp(kVenet, true));
  VZ_RETURN_IF_ERROR(inside->SetUp(kVenet));
  bool v4 = false, v6 = false;
  for (const Cidr& a : config_.routed) {
    VZ_RETURN_IF_ERROR(AddRouted(netns_fd, a));
    v4 |= a.v4();
    v6 |= !a.v4();
  }
  if (v4) VZ_RETURN_IF_ERROR(inside->AddDefaultRoute(AF_INET, kVenet));
  if (v6) VZ_RETURN_IF_ERROR(inside->AddDefaultRoute(AF_INET6, kVenet));
  undo.Commit();
  return OkStatus();
}

Status ContainerNet::AddRouted(int netns_fd, const Cidr& a) {
  VZ_ASSIGN_OR_RETURN(auto host, Netlink::Open());
  VZ_ASSIGN_OR_RETURN(auto inside, Netlink::Open(netns_fd));
  std::string link = RoutedHostLink(node_, *config_.index);
  Reverter undo;
  VZ_RETURN_IF_ERROR(inside->AddAddress(kVenet, a.Host()));
  undo.Add([&] { (void)inside->DelAddress(kVenet, a.Host()); });
  // The node forwards to the container and answers ARP/NDP for it.
  VZ_RETURN_IF_ERROR(EnableSysctl(a.v4() ? "net.ipv4.ip_forward"
                                         : "net.ipv6.conf.all.forwarding"));
  VZ_RETURN_IF_ERROR(host->AddRoute(a.Host(), link));
  undo.Add([&] { (void)host->DelRoute(a.Host(), link); });
  VZ_ASSIGN_OR_RETURN(auto devs, NeighbourDevs(a));
  for (const auto& dev : devs) {
    if (!a.v4())
      VZ_RETURN_IF_ERROR(EnableSysctl("net/ipv6/conf/" + dev + "/proxy_ndp"));
    // Answer for the container at once (the kernel's default waits up to
    // 0.8 s before a proxy reply).
    VZ_RETURN_IF_ERROR(
        WriteSysctl(std::string(a.v4() ? "net/ipv4" : "net/ipv6") + "/neigh/" +
                        dev + "/proxy_delay",
                    "0"));
    VZ_RETURN_IF_ERROR(host->AddProxyNeighbour(a, dev));
    undo.Add([&, dev] { (void)host->DelProxyNeighbour(a, dev); });
  }
  undo.Commit();
  return OkStatus();
}

Status ContainerNet::UpdateRouted(int netns_fd, const NetConfig& before) {
  NetConfig was = before;
  was.index = config_.index;
  ContainerNet old(node_, ctid_, was);
  auto has = [](const std::vector<Cidr>& list, const Cidr& a) {
    return std::any_of(list.begin(), list.end(),
                       [&](const Cidr& x) { return SameAddress(x, a); });
  };
  for (const Cidr& a : was.routed) {
    if (!has(config_.routed, a)) VZ_RETURN_IF_ERROR(DelRouted(netns_fd, a));
  }
  for (const Cidr& a : config_.routed) {
    if (!has(was.routed, a)) VZ_RETURN_IF_ERROR(AddRouted(netns_fd, a));
  }
  // The filters follow the addresses. The counters go with the old chains,
  // so they are saved first and the month's totals carry on.
  VZ_RETURN_IF_ERROR(old.SaveTraffic());
  VZ_ASSIGN_OR_RETURN(auto nft, Nft::Open());
  for (const auto& cmd :
       Split(RemoveContainerNft(node_.prefix, old.Rules()), '\n')) {
    if (!cmd.empty()) (void)nft->Run(cmd);
  }
  return nft->Run(NodeTablesNft(node_.prefix) +
                  AddContainerNft(node_.prefix, Rules()));
}

Status ContainerNet::DelRouted(int netns_fd, const Cidr& a) {
  VZ_ASSIGN_OR_RETURN(auto host, Netlink::Open());
  std::string link = RoutedHostLink(node_, *config_.index);
  (void)host->DelRoute(a.Host(), link);
  auto devs = NeighbourDevs(a);
  if (devs.has_value()) {
    for (const auto& dev : *devs) (void)host->DelProxyNeighbour(a, dev);
  }
  if (netns_fd >= 0) {
    VZ_ASSIGN_OR_RETURN(auto inside, Netlink::Open(netns_fd));
    (void)inside->DelAddress(kVenet, a.Host());
  }
  return OkStatus();
}

Status ContainerNet::StartBridged(int netns_fd, size_t i) {
  const NetIf& n = config_.netifs[i];
  ContainerRules::Bridged b = Rules().bridged[i];
  VZ_ASSIGN_OR_RETURN(auto host, Netlink::Open());
  VZ_ASSIGN_OR_RETURN(auto inside, Netlink::Open(netns_fd));
  std::string bridge = BridgeFor(node_, n);
  VZ_ASSIGN_OR_RETURN(auto existing, host->FindLink(bridge));
  if (!existing) {
    VZ_RETURN_IF_ERROR(host->CreateBridge(bridge));
    VZ_RETURN_IF_ERROR(host->SetUp(bridge));
  }
  Reverter undo;
  VZ_RETURN_IF_ERROR(host->CreateVeth(b.host_link, n.ifname, netns_fd));
  undo.Add([&] { (void)host->DeleteLink(b.host_link); });
  if (n.host_mac) VZ_RETURN_IF_ERROR(host->SetMac(b.host_link, *n.host_mac));
  VZ_RETURN_IF_ERROR(host->SetMaster(b.host_link, bridge));
  VZ_RETURN_IF_ERROR(host->SetUp(b.host_link));
  VZ_RETURN_IF_ERROR(inside->SetMac(n.ifname, b.mac));
  VZ_RETURN_IF_ERROR(inside->SetUp(n.ifname));
  for (const Cidr& a : n.ips)
    VZ_RETURN_IF_ERROR(inside->AddAddress(n.ifname, a));
  if (n.gw)
    VZ_RETURN_IF_ERROR(inside->AddDefaultRoute(AF_INET, n.ifname, n.gw));
  if (n.gw6)
    VZ_RETURN_IF_ERROR(inside->AddDefaultRoute(AF_INET6, n.ifname, n.gw6));
  undo.Commit();
  return OkStatus();
}

Status ContainerNet::Start(int netns_fd) {
  if (!config_.index)
    return InternalError("container '" + ctid_ + "' has no network index");
  Reverter undo;
  {
    VZ_ASSIGN_OR_RETURN(auto inside, Netlink::Open(netns_fd));
    VZ_RETURN_IF_ERROR(inside->SetUp("lo"));
  }
  if (!config_.routed.empty()) {
    VZ_RETURN_IF_ERROR(StartRouted(netns_fd));
    undo.Add([&] { (void)Stop(); });
  }
  for (size_t i = 0; i < config_.netifs.size(); ++i) {
    VZ_RETURN_IF_ERROR(StartBridged(netns_fd, i));
    if (i == 0 && config_.routed.empty()) undo.Add([&] { (void)Stop(); });
  }
  if (!config_.routed.empty() || !config_.netifs.empty()) {
    VZ_ASSIGN_OR_RETURN(auto nft, Nft::Open());
    VZ_RETURN_IF_ERROR(nft->Run(NodeTablesNft(node_.prefix) +
                                AddContainerNft(node_.prefix, Rules())));
  }
  auto shaped = ShapedDevices();
  if (!shaped.empty()) {
    VZ_ASSIGN_OR_RETURN(auto host, Netlink::Open());
    std::vector<Cidr> sources = AllAddresses(config_);
    for (const auto& [dev, rate, ceil] : shaped) {
      uint64_t total = ceil;
      for (const Rate& t : node_.totalrate) {
        if (t.dev == dev || t.dev == "*") total = t.kbit;
      }
      VZ_RETURN_IF_ERROR(EnsureShapedDevice(*host, dev, total));
      VZ_RETURN_IF_ERROR(
          AddShapedContainer(*host, dev, *config_.index, rate, ceil, sources));
    }
  }
  undo.Commit();
  return OkStatus();
}

std::vector<std::tuple<std::string, uint64_t, uint64_t>>
ContainerNet::ShapedDevices() const {
  std::vector<std::tuple<std::string, uint64_t, uint64_t>> out;
  if (!node_.shaping) return out;
  for (const Rate& r : config_.rates) {
    for (const Rate& t : node_.totalrate) {
      if (t.klass != r.klass ||
          (t.dev != r.dev && r.dev != "*" && t.dev != "*"))
        continue;
      std::string dev = r.dev == "*" ? t.dev : r.dev;
      if (dev == "*") continue;
      uint64_t ceil = config_.ratebound ? r.kbit : std::max(r.kbit, t.kbit);
      out.emplace_back(dev, r.kbit, ceil);
    }
  }
  return out;
}

Status ContainerNet::Stop() {
  if (!config_.index) return OkStatus();
  ContainerRules r = Rules();
  Status saved = SaveTraffic();
  if (!saved.ok())
    VZ_LOG(kWarning) << "save traffic of '" << ctid_
                     << "': " << saved.message();
  if (auto nft = Nft::Open(); nft.has_value()) {
    // One command at a time: after a crash some may be gone already.
    for (const auto& cmd : Split(RemoveContainerNft(node_.prefix, r), '\n')) {
      if (!cmd.empty()) (void)(*nft)->Run(cmd);
    }
  }
  auto host = Netlink::Open();
  if (!host.has_value()) return host.error();
  for (const auto& [dev, rate, ceil] : ShapedDevices()) {
    (void)RemoveShapedContainer(**host, dev, *config_.index);
  }
  for (const Cidr& a : config_.routed) (void)DelRouted(-1, a);
  if (!r.routed_link.empty()) (void)(*host)->DeleteLink(r.routed_link);
  for (const auto& b : r.bridged) (void)(*host)->DeleteLink(b.host_link);
  return OkStatus();
}

Status ContainerNet::SaveTraffic() {
  if (node_.state_dir.empty()) return OkStatus();
  VZ_ASSIGN_OR_RETURN(auto nft, Nft::Open());
  VZ_ASSIGN_OR_RETURN(auto live, nft->Counters(node_.prefix, *config_.index));
  if (live.empty()) return OkStatus();
  VZ_ASSIGN_OR_RETURN(auto total, TrafficThisMonth());  // saved + live
  std::string path = JoinPath(node_.state_dir, ctid_ + ".acct"),
              month = Month(), text;
  if (auto old = ReadFile(path); old.has_value()) {
    for (const auto& line : SplitNonEmpty(*old, '\n')) {
      if (line.rfind(month + " ", 0) != 0)
        text += line + "\n";  // other months stay
    }
  }
  for (const auto& [ifname, t] : total) {
    text += month + " " + ifname + " " + std::to_string(t.bytes_out) + " " +
            std::to_string(t.packets_out) + " " + std::to_string(t.bytes_in) +
            " " + std::to_string(t.packets_in) + "\n";
  }
  VZ_RETURN_IF_ERROR(MakeDirs(node_.state_dir));
  return WriteFileAtomic(path, text, 0644);
}

Result<std::map<std::string, Traffic>> ContainerNet::TrafficThisMonth() {
  std::map<std::string, Traffic> out;
  std::string month = Month();
  if (!node_.state_dir.empty()) {
    if (auto saved = ReadFile(JoinPath(node_.state_dir, ctid_ + ".acct"));
        saved.has_value()) {
      for (const auto& line : SplitNonEmpty(*saved, '\n')) {
        auto f = SplitNonEmpty(line, ' ');
        if (f.size() != 6 || f[0] != month) continue;
        // A damaged line is skipped, not trusted.
        uint64_t n[4];
        bool ok = true;
        for (int i = 0; i < 4; ++i) {
          auto v = ParseUint(f[static_cast<size_t>(i) + 2]);
          ok = ok && v.has_value();
          n[i] = v.value_or(0);
        }
        if (!ok) continue;
        Traffic& t = out[f[1]];
        t.bytes_out += n[0];
        t.packets_out += n[1];
        t.bytes_in += n[2];
        t.packets_in += n[3];
      }
    }
  }
  if (!config_.index) return out;
  VZ_ASSIGN_OR_RETURN(auto nft, Nft::Open());
  VZ_ASSIGN_OR_RETURN(auto live, nft->Counters(node_.prefix, *config_.index));
  for (const auto& [tag, t] : live) {
    std::string ifname = kVenet;
    if (tag != "r") {
      // Counters of an interface removed from the config since: by index.
      auto i = ParseUint(tag);
      ifname = i.has_value() && *i < config_.netifs.size()
                   ? config_.netifs[*i].ifname
                   : "netif" + tag;
    }
    Traffic& o = out[ifname];
    o.bytes_out += t.bytes_out;
    o.packets_out += t.packets_out;
    o.bytes_in += t.bytes_in;
    o.packets_in += t.packets_in;
  }
  return out;
}

}  // namespace vz::net
