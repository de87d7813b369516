#include "libvz/net/nft.h"

#include <cstring>
#include <regex>

#include <nftables/libnftables.h>

#include "base/shared_library.h"
#include "base/strings.h"

namespace vz::net {
namespace {

std::string Q(const std::string& s) { return "\"" + s + "\""; }

std::string Chain(uint32_t n, const std::string& tag, const char* dir) {
  return "ct" + std::to_string(n) + "_" + tag + "_" + dir;
}

std::string SetOf(const std::vector<std::string>& items) {
  return "{ " + Join(items, ", ") + " }";
}

std::vector<std::string> AddressesOf(const std::vector<Cidr>& list, bool v4) {
  std::vector<std::string> out;
  for (const auto& c : list) {
    if (c.v4() == v4) out.push_back(c.Address());
  }
  return out;
}

// The link-local address the kernel gives an interface with `mac` (EUI-64).
Cidr LinkLocal(const Mac& mac) {
  Cidr c = *ParseCidr("fe80::1");
  uint8_t* b = c.bytes.data();
  std::memset(b + 8, 0, 8);
  b[8] = mac.bytes[0] ^ 0x02;
  b[9] = mac.bytes[1];
  b[10] = mac.bytes[2];
  b[11] = 0xff;
  b[12] = 0xfe;
  b[13] = mac.bytes[3];
  b[14] = mac.bytes[4];
  b[15] = mac.bytes[5];
  return c;
}

std::string Hex64(const uint8_t* p) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "0x";
  for (int i = 0; i < 8; ++i) {
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 15];
  }
  return s;
}

// inet: a routed container may send only from its own addresses (and
// IPv6 link-local, which neighbour discovery needs).
std::string RoutedChains(const std::string& t, const ContainerRules& r) {
  std::string out = Chain(r.index, "r", "out"), in = Chain(r.index, "r", "in"),
              s;
  s += "add chain " + t + " " + out + "\n";
  auto v4 = AddressesOf(r.routed, true), v6 = AddressesOf(r.routed, false);
  if (v4.empty()) {
    s += "add rule " + t + " " + out + " meta nfproto ipv4 counter drop\n";
  } else {
    s += "add rule " + t + " " + out + " ip saddr != " + SetOf(v4) +
         " counter drop\n";
  }
  v6.push_back("fe80::/10");
  s += "add rule " + t + " " + out + " ip6 saddr != " + SetOf(v6) +
       " counter drop\n";
  s += "add rule " + t + " " + out + " counter comment " + Q("out") + "\n";
  s += "add chain " + t + " " + in + "\n";
  s += "add rule " + t + " " + in + " counter comment " + Q("in") + "\n";
  s += "add element " + t + " out_links { " + Q(r.routed_link) + " : jump " +
       out + " }\n";
  s += "add element " + t + " in_links { " + Q(r.routed_link) + " : jump " +
       in + " }\n";
  return s;
}

// bridge: what one bridged interface may send (doc/network.md §4).
std::string BridgedChains(const std::string& t, uint32_t n, size_t i,
                          const ContainerRules::Bridged& b) {
  std::string tag = std::to_string(i);
  std::string out = Chain(n, tag, "out"), in = Chain(n, tag, "in"),
              na = Chain(n, tag, "na"), s;
  std::string mac = b.mac.ToString();
  s += "add chain " + t + " " + out + "\n";
  if (b.mac_filter) {
    s += "add rule " + t + " " + out + " ether saddr != " + mac +
         " counter drop\n";
    s += "add rule " + t + " " + out + " arp saddr ether != " + mac +
         " counter drop\n";
    auto v4 = AddressesOf(b.ips, true), v6 = AddressesOf(b.ips, false);
    if (!b.dhcp) {
      if (v4.empty()) {
        s += "add rule " + t + " " + out +
             " ether type { ip, arp } counter drop\n";
      } else {
        s += "add rule " + t + " " + out + " arp saddr ip != " + SetOf(v4) +
             " counter drop\n";
        s += "add rule " + t + " " + out + " ip saddr != " + SetOf(v4) +
             " counter drop\n";
      }
    }
    s += "add rule " + t + " " + out + " udp sport 67 counter drop\n";
    s += "add rule " + t + " " + out +
         " icmpv6 type nd-router-advert counter drop\n";
    if (!b.dhcp6) {
      // Neighbour advertisements only for its own targets: one return per
      // allowed target in a chain of their own (nft 1.0.6 has no taddr).
      std::vector<Cidr> targets = b.ips;
      targets.push_back(LinkLocal(b.mac));
      s += "add chain " + t + " " + na + "\n";
      for (const auto& c : targets) {
        if (c.v4()) continue;
        s += "add rule " + t + " " + na + " meta l4proto ipv6-icmp @th,64,64 " +
             Hex64(c.bytes.data()) + " @th,128,64 " +
             Hex64(c.bytes.data() + 8) + " return\n";
      }
      s += "add rule " + t + " " + na + " counter drop\n";
      s += "add rule " + t + " " + out +
           " icmpv6 type nd-neighbor-advert jump " + na + "\n";
      v6.push_back("fe80::/10");
      v6.push_back("::");  // duplicate address detection
      s += "add rule " + t + " " + out + " ip6 saddr != " + SetOf(v6) +
           " counter drop\n";
    }
  }
  s += "add rule " + t + " " + out + " counter comment " + Q("out") + "\n";
  s += "add chain " + t + " " + in + "\n";
  s += "add rule " + t + " " + in + " counter comment " + Q("in") + "\n";
  s += "add element " + t + " out_links { " + Q(b.host_link) + " : jump " +
       out + " }\n";
  s += "add element " + t + " in_links { " + Q(b.host_link) + " : jump " + in +
       " }\n";
  return s;
}

std::string BaseTable(const std::string& family, const std::string& prefix) {
  std::string t = family + " " + prefix, s;
  s += "add table " + t + "\n";
  s += "add map " + t + " out_links { type ifname : verdict; }\n";
  s += "add map " + t + " in_links { type ifname : verdict; }\n";
  s += "add chain " + t +
       " forward { type filter hook forward priority -10; policy accept; }\n";
  s += "add chain " + t +
       " input { type filter hook input priority -10; policy accept; }\n";
  s += "add chain " + t +
       " output { type filter hook output priority -10; policy accept; }\n";
  // The dispatch rules go in once: `flush chain` then add keeps it so.
  s += "flush chain " + t + " forward\n";
  s += "flush chain " + t + " input\n";
  s += "flush chain " + t + " output\n";
  s += "add rule " + t + " forward iifname vmap @out_links\n";
  s += "add rule " + t + " forward oifname vmap @in_links\n";
  s += "add rule " + t + " input iifname vmap @out_links\n";
  s += "add rule " + t + " output oifname vmap @in_links\n";
  return s;
}

}  // namespace

std::string NodeTablesNft(const std::string& prefix) {
  return BaseTable("inet", prefix) + BaseTable("bridge", prefix);
}

std::string DeleteNodeTablesNft(const std::string& prefix) {
  return "delete table inet " + prefix + "\ndelete table bridge " + prefix +
         "\n";
}

std::string AddContainerNft(const std::string& prefix,
                            const ContainerRules& r) {
  std::string s;
  if (!r.routed_link.empty()) s += RoutedChains("inet " + prefix, r);
  for (size_t i = 0; i < r.bridged.size(); ++i) {
    s += BridgedChains("bridge " + prefix, r.index, i, r.bridged[i]);
  }
  return s;
}

std::string RemoveContainerNft(const std::string& prefix,
                               const ContainerRules& r) {
  std::string s;
  auto drop = [&](const std::string& t, const std::string& link,
                  const std::string& tag, bool na) {
    s += "delete element " + t + " out_links { " + Q(link) + " }\n";
    s += "delete element " + t + " in_links { " + Q(link) + " }\n";
    s += "delete chain " + t + " " + Chain(r.index, tag, "out") + "\n";
    s += "delete chain " + t + " " + Chain(r.index, tag, "in") + "\n";
    if (na) s += "delete chain " + t + " " + Chain(r.index, tag, "na") + "\n";
  };
  if (!r.routed_link.empty()) drop("inet " + prefix, r.routed_link, "r", false);
  for (size_t i = 0; i < r.bridged.size(); ++i) {
    const auto& b = r.bridged[i];
    drop("bridge " + prefix, b.host_link, std::to_string(i),
         b.mac_filter && !b.dhcp6);
  }
  return s;
}

// The libnftables calls we make, resolved once per process.
struct NftApi {
  decltype(&nft_ctx_new) ctx_new;
  decltype(&nft_ctx_free) ctx_free;
  decltype(&nft_ctx_buffer_output) buffer_output;
  decltype(&nft_ctx_buffer_error) buffer_error;
  decltype(&nft_run_cmd_from_buffer) run_cmd_from_buffer;
  decltype(&nft_ctx_get_output_buffer) get_output_buffer;
  decltype(&nft_ctx_get_error_buffer) get_error_buffer;
};

namespace {

// Loads the library and resolves every call once per process.
Result<const NftApi*> LoadNftApi() {
  static const Result<NftApi> api = []() -> Result<NftApi> {
    VZ_ASSIGN_OR_RETURN(void* lib,
                        OpenSharedLibrary("libnftables.so.1", "libnftables1"));
    NftApi a;
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "nft_ctx_new", &a.ctx_new));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "nft_ctx_free", &a.ctx_free));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "nft_ctx_buffer_output", &a.buffer_output));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "nft_ctx_buffer_error", &a.buffer_error));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "nft_run_cmd_from_buffer", &a.run_cmd_from_buffer));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "nft_ctx_get_output_buffer", &a.get_output_buffer));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "nft_ctx_get_error_buffer", &a.get_error_buffer));
    return a;
  }();
  if (!api.has_value()) return api.error();
  return &*api;
}

}  // namespace

Nft::~Nft() {
  if (ctx_) api_->ctx_free(ctx_);
}

Result<std::unique_ptr<Nft>> Nft::Open() {
  VZ_ASSIGN_OR_RETURN(const NftApi* api, LoadNftApi());
  std::unique_ptr<Nft> n(new Nft(api));
  n->ctx_ = api->ctx_new(NFT_CTX_DEFAULT);
  if (!n->ctx_) return InternalError("create an nftables context");
  api->buffer_output(n->ctx_);
  api->buffer_error(n->ctx_);
  return n;
}

Status Nft::Run(const std::string& commands) {
  if (api_->run_cmd_from_buffer(ctx_, commands.c_str()) != 0) {
    const char* err = api_->get_error_buffer(ctx_);
    std::string e = err ? std::string(Trim(err)) : "unknown error";
    if (auto nl = e.find('\n'); nl != std::string::npos) e = e.substr(0, nl);
    return InternalError("nftables: " + e);
  }
  return OkStatus();
}

Result<std::string> Nft::List(const std::string& command) {
  VZ_RETURN_IF_ERROR(Run(command));
  const char* out = api_->get_output_buffer(ctx_);
  return std::string(out ? out : "");
}

Result<std::map<std::string, Traffic>> Nft::Counters(const std::string& prefix,
                                                     uint32_t index) {
  std::map<std::string, Traffic> out;
  static const std::regex kCounter(
      R"re(counter packets (\d+) bytes (\d+) comment "(out|in)")re");
  for (const char* family : {"inet", "bridge"}) {
    auto text = List("list table " + std::string(family) + " " + prefix);
    if (!text.has_value()) continue;  // no table: nothing counted
    std::string chain;
    for (const auto& line : Split(*text, '\n')) {
      std::string_view l = Trim(line);
      if (l.rfind("chain ", 0) == 0) {
        chain = std::string(l.substr(6, l.find(' ', 6) - 6));
        continue;
      }
      std::string head = "ct" + std::to_string(index) + "_";
      if (chain.rfind(head, 0) != 0) continue;
      std::smatch m;
      std::string s(l);
      if (!std::regex_search(s, m, kCounter)) continue;
      std::string tag =
          chain.substr(head.size(), chain.rfind('_') - head.size());
      Traffic& t = out[tag];
      uint64_t packets = std::stoull(m[1]), bytes = std::stoull(m[2]);
      if (m[3] == "out") {
        t.packets_out = packets;
        t.bytes_out = bytes;
      } else {
        t.packets_in = packets;
        t.bytes_in = bytes;
      }
    }
  }
  return out;
}

}  // namespace vz::net
