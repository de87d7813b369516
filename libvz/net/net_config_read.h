// Template part of net_config.h: reading NetConfig through a key lookup.
#pragma once

#include "base/size.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"

namespace vz::net {

template <typename Get>
Result<NetConfig> ReadNetConfig(const Get& get) {
  NetConfig c;
  if (auto v = get("IP_ADDRESS")) {
    VZ_ASSIGN_OR_RETURN(c.routed, ParseAddressList(*v));
  }
  if (auto v = get("NETIF")) {
    VZ_ASSIGN_OR_RETURN(c.netifs, ParseNetifs(*v));
  }
  if (auto v = get("NET_INDEX"); v && !v->empty()) {
    auto n = ParseUint(*v);
    if (!n.has_value() || *n > 999999) {
      return InvalidArgumentError("invalid NET_INDEX '" + *v + "'")
          .WithExitCode(kVzInvalidConfig);
    }
    c.index = static_cast<uint32_t>(*n);
  }
  if (auto v = get("NAMESERVER")) c.nameservers = SplitNonEmpty(*v, ' ');
  if (auto v = get("SEARCHDOMAIN")) c.searchdomains = SplitNonEmpty(*v, ' ');
  if (auto v = get("RATE")) {
    VZ_ASSIGN_OR_RETURN(c.rates, ParseRates(*v));
  }
  if (auto v = get("RATEBOUND")) c.ratebound = *v == "yes";
  return c;
}

}  // namespace vz::net
