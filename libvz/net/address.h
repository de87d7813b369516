// IP addresses with prefix lengths, and MAC addresses, as the network
// config and the kernel use them (doc/network.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vz::net {

// An IPv4 or IPv6 address with a prefix length.
struct Cidr {
  int family = 0;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};
  int prefix = 0;

  bool v4() const;
  int max_prefix() const { return v4() ? 32 : 128; }
  // "10.1.2.3/24", "2001:db8::5/64"; the host address only with `bare`.
  std::string ToString() const;
  std::string Address() const;
  // The same address as a single host (/32 or /128).
  Cidr Host() const;
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

// "A" or "A/M"; no mask means a single host. Refuses the unspecified,
// loopback, multicast and broadcast addresses and out-of-range masks.
// Errors: kInvalidArgument naming the text (vzctl exit 71, VZ_BADIP).
Result<Cidr> ParseCidr(std::string_view text);
// Only the address part of a Cidr must match for equality of hosts.
bool SameAddress(const Cidr& a, const Cidr& b);

struct Mac {
  std::array<uint8_t, 6> bytes{};
  std::string ToString() const;  // "02:ab:..." lowercase
  friend bool operator==(const Mac&, const Mac&) = default;
};

// "02:ab:cd:ef:01:23" (':' or '-', either case). Refuses multicast and
// all-zero addresses. Errors: kInvalidArgument, exit 21.
Result<Mac> ParseMac(std::string_view text);
// A stable, locally administered unicast MAC derived from `seed` (node
// prefix, CTID and interface number): the same container gets the same
// MAC after a restart; different ones differ with overwhelming odds.
Mac DeriveMac(std::string_view seed);

}  // namespace vz::net
