#include "libvz/net/node_net.h"

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/net/dist.h"
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

std::vector<std::pair<std::string, NetConfig>> OtherNetConfigs(
    const NodeConfig& node, const std::string& ctid) {
  std::vector<std::pair<std::string, NetConfig>> out;
  auto names = ListDir(node.conf_dir());
  if (!names.has_value()) return out;
  for (const auto& n : *names) {
    if (!n.ends_with(".conf") || n == ctid + ".conf") continue;
    auto f = ConfigFile::Load(JoinPath(node.conf_dir(), n));
    if (!f.has_value()) continue;
    auto c = ReadNetConfig([&](std::string_view key) { return f->Get(key); });
    if (c.has_value()) out.emplace_back(n.substr(0, n.size() - 5), *c);
  }
  return out;
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

namespace {

Status ApplyEdit(net::NetConfig& c, const NetEdit& e) {
  if (!e.ifname.empty()) return net::SetNetifParam(c, e.ifname, e.op, e.value);
  if (e.op == "ipadd") return net::AddRoutedAddress(c, e.value);
  if (e.op == "ipdel") return net::DelRoutedAddress(c, e.value);
  if (e.op == "netif_add") return net::AddNetif(c, e.value);
  if (e.op == "netif_del") {
    if (e.value == "all") {
      c.netifs.clear();
      return OkStatus();
    }
    return net::DelNetif(c, e.value);
  }
  if (e.op == "nameserver") {
    VZ_RETURN_IF_ERROR(
        net::ResolveNameservers({e.value}, "/etc/resolv.conf").status());
    c.nameservers.push_back(e.value);
    return OkStatus();
  }
  if (e.op == "searchdomain") {
    VZ_RETURN_IF_ERROR(net::ValidateSearchDomains({e.value}));
    c.searchdomains.push_back(e.value);
    return OkStatus();
  }
  if (e.op == "rate") {
    VZ_ASSIGN_OR_RETURN(auto rates, net::ParseRates(e.value));
    c.rates.insert(c.rates.end(), rates.begin(), rates.end());
    return OkStatus();
  }
  if (e.op == "ratebound") {
    if (e.value != "yes" && e.value != "no") {
      return InvalidArgumentError("invalid --ratebound '" + e.value +
                                  "': expected yes or no")
          .WithExitCode(21);
    }
    c.ratebound = e.value == "yes";
    return OkStatus();
  }
  return InvalidArgumentError("unknown network option --" + e.op)
      .WithExitCode(20);
}

// Refuses an address another container of the node already has.
Status CheckAddressesFree(const NodeConfig& node, const VeConfig& ve,
                          const std::vector<net::Cidr>& added) {
  if (added.empty()) return OkStatus();
  for (const auto& [ctid, other] : net::OtherNetConfigs(node, ve.ctid())) {
    for (const auto& mine : added) {
      for (const auto& theirs : net::AllAddresses(other)) {
        if (net::SameAddress(mine, theirs)) {
          return AlreadyExistsError("address " + mine.Address() +
                                    " is already used by container '" + ctid +
                                    "'")
              .WithExitCode(78);
        }
      }
    }
  }
  return OkStatus();
}

}  // namespace

Status EditNetwork(const NodeConfig& node, VeConfig& ve,
                   const std::vector<NetEdit>& edits) {
  VZ_ASSIGN_OR_RETURN(net::NetConfig c, net::NetConfigOf(ve));
  const auto before = net::AllAddresses(c);
  bool dns_reset = false, search_reset = false;
  for (const auto& e : edits) {
    // Repeated --nameserver / --searchdomain replace the saved list.
    if (e.op == "nameserver" && !dns_reset) {
      c.nameservers.clear();
      dns_reset = true;
    }
    if (e.op == "searchdomain" && !search_reset) {
      c.searchdomains.clear();
      search_reset = true;
    }
    VZ_RETURN_IF_ERROR(ApplyEdit(c, e));
  }
  std::vector<net::Cidr> added;
  for (const auto& a : net::AllAddresses(c)) {
    bool had = false;
    for (const auto& b : before) had = had || net::SameAddress(a, b);
    if (!had) added.push_back(a);
  }
  VZ_RETURN_IF_ERROR(CheckAddressesFree(node, ve, added));
  for (const auto& [key, value] : net::NetConfigKeys(c)) {
    if (key == "NET_INDEX") continue;
    if (value.empty()) {
      ve.Unset(key);
    } else {
      VZ_RETURN_IF_ERROR(ve.Set(key, value));
    }
  }
  return OkStatus();
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
