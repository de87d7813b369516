// Traffic shaping with tc HTB through libnl (doc/network.md §6): on each
// shaped device an HTB root qdisc 1: with a root class 1:1 at the device's
// TOTALRATE, and per running container a class 1:<N+16> (rate RATE, ceil
// TOTALRATE or RATE when bound) that u32 filters (priority N+16) fill with
// the container's outgoing packets by source address. Default traffic
// goes to class 1:2, unlimited within the total.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/net/address.h"
#include "libvz/net/netlink.h"

namespace vz::net {

inline constexpr uint32_t kClassBase = 16;

// Creates (or keeps) the root qdisc and classes of `dev`.
Status EnsureShapedDevice(Netlink& nl, const std::string& dev,
                          uint64_t total_kbit);
// Adds container N's class and filters on `dev`.
Status AddShapedContainer(Netlink& nl, const std::string& dev, uint32_t index,
                          uint64_t rate_kbit, uint64_t ceil_kbit,
                          const std::vector<Cidr>& sources);
// Removes them; missing ones are fine.
Status RemoveShapedContainer(Netlink& nl, const std::string& dev,
                             uint32_t index);
// Removes the root qdisc of `dev` (node teardown, tests).
Status RemoveShapedDevice(Netlink& nl, const std::string& dev);

}  // namespace vz::net
