// nftables rules for containers (doc/network.md §3, §4, §7): generated as
// nft text (pure functions, unit-tested against golden files) and applied
// through libnftables, never the `nft` binary.
//
// Layout, per node prefix P: table `inet P` with base chains `forward` and
// `input` (hook forward/input), and table `bridge P` with `forward` and
// `input`; each dispatches packets by interface to per-container chains
// `ct<N>_out` (what the container sends) and `ct<N>_in` (what it receives)
// through verdict maps. A container's chains and map elements are added at
// start and removed at stop; the counters in them are its traffic.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/net/net_config.h"

struct nft_ctx;

namespace vz::net {

// What the rules of one container need to know.
struct ContainerRules {
  uint32_t index = 0;        // the container's network index N
  std::string routed_link;   // host side of the routed link, "" if none
  std::vector<Cidr> routed;  // its routed addresses
  struct Bridged {
    std::string host_link;
    Mac mac;
    std::vector<Cidr> ips;  // static addresses
    bool dhcp = false, dhcp6 = false;
    bool mac_filter = true;
  };
  std::vector<Bridged> bridged;
};

// The node's tables (idempotent: `add` of existing tables/chains is a no-op).
std::string NodeTablesNft(const std::string& prefix);
// Adds one container's chains and dispatch entries.
std::string AddContainerNft(const std::string& prefix, const ContainerRules& r);
// Removes them (the element deletes and chain deletes a stop needs).
std::string RemoveContainerNft(const std::string& prefix,
                               const ContainerRules& r);
// Deletes the node's tables (tests, node teardown).
std::string DeleteNodeTablesNft(const std::string& prefix);

// Per-interface traffic of a container, from its chains' counters.
struct Traffic {
  uint64_t bytes_out = 0, packets_out = 0, bytes_in = 0, packets_in = 0;
};

struct NftApi;

// An nftables context. libnftables is loaded on the first Open(), not when
// the program starts: it and the five libraries it pulls in (nftnl, mnl,
// xtables, jansson, gmp) cost every vzctl and vz-monitor about 1.3 ms to
// map and relocate, and most runs (exec, status, a container without
// addresses) never touch nftables.
class Nft {
 public:
  ~Nft();
  // Errors: kFailedPrecondition when libnftables.so.1 cannot be loaded (the
  // message names it and dlopen's reason); kInternal when nftables cannot
  // make a context.
  static Result<std::unique_ptr<Nft>> Open();
  // Runs nft commands; the whole text is one transaction. Errors:
  // kInternal with nft's error text.
  Status Run(const std::string& commands);
  // Runs a listing command and returns its output.
  Result<std::string> List(const std::string& command);
  // Counters of container N's chains, keyed by interface ("" for routed).
  Result<std::map<std::string, Traffic>> Counters(const std::string& prefix,
                                                  uint32_t index);

 private:
  explicit Nft(const NftApi* api) : api_(api) {}
  const NftApi* api_;
  nft_ctx* ctx_ = nullptr;
};

}  // namespace vz::net
