#include "libvz/net/net_config.h"

#include <algorithm>

#include "base/size.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"

namespace vz::net {
namespace {

Status BadValue(const std::string& what) {
  return InvalidArgumentError(what).WithExitCode(kVzInvalidParameterValue);
}

Result<bool> YesNo(std::string_view key, std::string_view v) {
  if (v == "yes" || v == "on") return true;
  if (v == "no" || v == "off") return false;
  return BadValue("invalid value '" + std::string(v) + "' for '" +
                  std::string(key) + "': expected yes/on or no/off");
}

NetIf* FindNetif(NetConfig& c, std::string_view name) {
  for (auto& n : c.netifs) {
    if (n.ifname == name) return &n;
  }
  return nullptr;
}

bool HasAddress(const std::vector<Cidr>& list, const Cidr& a) {
  return std::any_of(list.begin(), list.end(),
                     [&](const Cidr& x) { return SameAddress(x, a); });
}

Result<Cidr> ParseGateway(std::string_view v) {
  VZ_ASSIGN_OR_RETURN(Cidr g, ParseCidr(v));
  return g.Host();
}

Status SetNetifKey(NetIf& n, std::string_view key, std::string_view v) {
  if (key == "ifname") {
    VZ_RETURN_IF_ERROR(ValidateIfname(v));
    n.ifname = std::string(v);
  } else if (key == "mac") {
    VZ_ASSIGN_OR_RETURN(n.mac, ParseMac(v));
  } else if (key == "host_ifname") {
    VZ_RETURN_IF_ERROR(ValidateIfname(v));
    n.host_ifname = std::string(v);
  } else if (key == "host_mac") {
    VZ_ASSIGN_OR_RETURN(n.host_mac, ParseMac(v));
  } else if (key == "bridge") {
    VZ_RETURN_IF_ERROR(ValidateIfname(v));
    n.bridge = std::string(v);
  } else if (key == "ip") {
    VZ_ASSIGN_OR_RETURN(n.ips, ParseAddressList(v));
  } else if (key == "gw") {
    VZ_ASSIGN_OR_RETURN(n.gw, ParseGateway(v));
    if (!n.gw->v4())
      return BadValue("gateway '" + std::string(v) + "' is not IPv4 (use gw6)");
  } else if (key == "gw6") {
    VZ_ASSIGN_OR_RETURN(n.gw6, ParseGateway(v));
    if (n.gw6->v4())
      return BadValue("gateway '" + std::string(v) + "' is not IPv6 (use gw)");
  } else if (key == "dhcp") {
    VZ_ASSIGN_OR_RETURN(n.dhcp, YesNo(key, v));
  } else if (key == "dhcp6") {
    VZ_ASSIGN_OR_RETURN(n.dhcp6, YesNo(key, v));
  } else if (key == "mac_filter") {
    VZ_ASSIGN_OR_RETURN(n.mac_filter, YesNo(key, v));
  } else {
    return BadValue("unknown interface parameter '" + std::string(key) + "'");
  }
  return OkStatus();
}

}  // namespace

Status ValidateIfname(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 15 && name != "." && name != "..";
  for (char c : name)
    ok &= c > ' ' && c != '/' && c != ':' && c != ',' && c != ';' && c != '=' &&
          c != 0x7f;
  if (!ok) {
    return BadValue(
        "invalid interface name '" + std::string(name) +
        "': 1 to 15 characters, no blanks, '/', ':', ',', ';' or '='");
  }
  return OkStatus();
}

Result<std::vector<Cidr>> ParseAddressList(std::string_view text) {
  std::vector<Cidr> out;
  for (const auto& word : SplitNonEmpty(text, ' ')) {
    VZ_ASSIGN_OR_RETURN(Cidr c, ParseCidr(word));
    if (HasAddress(out, c)) {
      return InvalidArgumentError("address '" + c.Address() +
                                  "' is listed twice")
          .WithExitCode(kVzBadIp);
    }
    if (out.size() == kMaxAddresses) return BadValue("more than 256 addresses");
    out.push_back(c);
  }
  return out;
}

std::string FormatAddressList(const std::vector<Cidr>& list) {
  std::vector<std::string> words;
  for (const auto& c : list)
    words.push_back(c.prefix == c.max_prefix() ? c.Address() : c.ToString());
  return Join(words, " ");
}

Result<std::vector<NetIf>> ParseNetifs(std::string_view text) {
  std::vector<NetIf> out;
  for (const auto& entry : SplitNonEmpty(text, ';')) {
    NetIf n;
    for (const auto& kv : SplitNonEmpty(entry, ',')) {
      auto eq = kv.find('=');
      if (eq == std::string::npos)
        return BadValue("invalid NETIF entry '" + kv + "': expected key=value");
      VZ_RETURN_IF_ERROR(SetNetifKey(n, kv.substr(0, eq), kv.substr(eq + 1)));
    }
    if (n.ifname.empty())
      return BadValue("NETIF entry '" + entry + "' has no ifname");
    for (const auto& o : out) {
      if (o.ifname == n.ifname)
        return BadValue("interface '" + n.ifname + "' is listed twice");
    }
    if (out.size() == kMaxNetifs)
      return BadValue("more than 16 network interfaces");
    out.push_back(std::move(n));
  }
  return out;
}

std::string FormatNetifs(const std::vector<NetIf>& netifs) {
  std::vector<std::string> entries;
  for (const auto& n : netifs) {
    std::vector<std::string> kv = {"ifname=" + n.ifname};
    if (n.mac) kv.push_back("mac=" + n.mac->ToString());
    if (!n.host_ifname.empty()) kv.push_back("host_ifname=" + n.host_ifname);
    if (n.host_mac) kv.push_back("host_mac=" + n.host_mac->ToString());
    if (!n.bridge.empty()) kv.push_back("bridge=" + n.bridge);
    if (!n.ips.empty()) kv.push_back("ip=" + FormatAddressList(n.ips));
    if (n.gw) kv.push_back("gw=" + n.gw->Address());
    if (n.gw6) kv.push_back("gw6=" + n.gw6->Address());
    if (n.dhcp) kv.push_back("dhcp=yes");
    if (n.dhcp6) kv.push_back("dhcp6=yes");
    if (!n.mac_filter) kv.push_back("mac_filter=off");
    entries.push_back(Join(kv, ","));
  }
  return Join(entries, ";");
}

Result<std::vector<Rate>> ParseRates(std::string_view text) {
  std::vector<Rate> out;
  for (const auto& word : SplitNonEmpty(text, ' ')) {
    auto parts = Split(word, ':');
    if (parts.size() != 3)
      return BadValue("invalid rate '" + word + "': expected dev:class:Kbit");
    Rate r;
    r.dev = parts[0];
    if (r.dev != "*") VZ_RETURN_IF_ERROR(ValidateIfname(r.dev));
    auto k = ParseUint(parts[1]);
    auto kbit = ParseUint(parts[2]);
    if (!k.has_value() || *k < 1 || *k > 15)
      return BadValue("invalid rate class in '" + word + "': 1 to 15");
    if (!kbit.has_value() || *kbit < 8 || *kbit > 100'000'000) {
      return BadValue("invalid rate in '" + word + "': 8 to 100000000 Kbit");
    }
    r.klass = static_cast<uint32_t>(*k);
    r.kbit = *kbit;
    out.push_back(r);
  }
  return out;
}

std::string FormatRates(const std::vector<Rate>& rates) {
  std::vector<std::string> words;
  for (const auto& r : rates) {
    words.push_back(r.dev + ":" + std::to_string(r.klass) + ":" +
                    std::to_string(r.kbit));
  }
  return Join(words, " ");
}

std::vector<std::pair<std::string, std::string>> NetConfigKeys(
    const NetConfig& c) {
  return {{"IP_ADDRESS", FormatAddressList(c.routed)},
          {"NETIF", FormatNetifs(c.netifs)},
          {"NET_INDEX", c.index ? std::to_string(*c.index) : ""},
          {"NAMESERVER", Join(c.nameservers, " ")},
          {"SEARCHDOMAIN", Join(c.searchdomains, " ")},
          {"RATE", FormatRates(c.rates)},
          {"RATEBOUND", c.ratebound ? "yes" : ""}};
}

Status AddRoutedAddress(NetConfig& c, std::string_view text) {
  VZ_ASSIGN_OR_RETURN(Cidr a, ParseCidr(text));
  if (HasAddress(AllAddresses(c), a)) {
    return AlreadyExistsError("address '" + a.Address() +
                              "' is already the container's")
        .WithExitCode(kVzIpInUse);
  }
  if (c.routed.size() == kMaxAddresses)
    return BadValue("more than 256 addresses");
  c.routed.push_back(a);
  return OkStatus();
}

Status DelRoutedAddress(NetConfig& c, std::string_view text) {
  if (text == "all") {
    c.routed.clear();
    return OkStatus();
  }
  VZ_ASSIGN_OR_RETURN(Cidr a, ParseCidr(text));
  auto it = std::find_if(c.routed.begin(), c.routed.end(),
                         [&](const Cidr& x) { return SameAddress(x, a); });
  if (it == c.routed.end())
    return BadValue("address '" + a.Address() + "' is not the container's");
  c.routed.erase(it);
  return OkStatus();
}

Status AddNetif(NetConfig& c, std::string_view spec) {
  auto parts = Split(spec, ',');
  static const char* kKeys[] = {"ifname", "mac", "host_ifname", "host_mac",
                                "bridge"};
  if (parts.size() > 5)
    return BadValue("invalid --netif_add '" + std::string(spec) + "'");
  NetIf n;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) continue;
    VZ_RETURN_IF_ERROR(SetNetifKey(n, kKeys[i], parts[i]));
  }
  if (n.ifname.empty()) return BadValue("--netif_add needs an interface name");
  if (FindNetif(c, n.ifname)) {
    return AlreadyExistsError("interface '" + n.ifname + "' already exists")
        .WithExitCode(kVzInvalidParameterValue);
  }
  if (c.netifs.size() >= kMaxNetifs)
    return BadValue("too many network interfaces (at most 16)");
  c.netifs.push_back(std::move(n));
  return OkStatus();
}

Status DelNetif(NetConfig& c, std::string_view ifname) {
  auto it = std::find_if(c.netifs.begin(), c.netifs.end(),
                         [&](const NetIf& n) { return n.ifname == ifname; });
  if (it == c.netifs.end())
    return BadValue("no interface '" + std::string(ifname) + "'");
  c.netifs.erase(it);
  return OkStatus();
}

Status SetNetifParam(NetConfig& c, std::string_view ifname,
                     std::string_view key, std::string_view value) {
  NetIf* n = FindNetif(c, ifname);
  if (!n) return BadValue("no interface '" + std::string(ifname) + "'");
  if (key == "ipadd") {
    VZ_ASSIGN_OR_RETURN(Cidr a, ParseCidr(value));
    if (HasAddress(AllAddresses(c), a)) {
      return AlreadyExistsError("address '" + a.Address() +
                                "' is already the container's")
          .WithExitCode(kVzIpInUse);
    }
    n->ips.push_back(a);
    return OkStatus();
  }
  if (key == "ipdel") {
    if (value == "all") {
      n->ips.clear();
      return OkStatus();
    }
    VZ_ASSIGN_OR_RETURN(Cidr a, ParseCidr(value));
    auto it = std::find_if(n->ips.begin(), n->ips.end(),
                           [&](const Cidr& x) { return SameAddress(x, a); });
    if (it == n->ips.end())
      return BadValue("address '" + a.Address() + "' is not on '" + n->ifname +
                      "'");
    n->ips.erase(it);
    return OkStatus();
  }
  if (key == "ifname")
    return BadValue("an interface cannot be renamed with --ifname");
  return SetNetifKey(*n, key, value);
}

std::vector<Cidr> AllAddresses(const NetConfig& c) {
  std::vector<Cidr> all = c.routed;
  for (const auto& n : c.netifs)
    all.insert(all.end(), n.ips.begin(), n.ips.end());
  return all;
}

}  // namespace vz::net
