// What a container may do: its capability bounding set, the syscalls its
// seccomp filter denies and its device allowlist (doc/runtime.md §1).
// Pure functions of the config, unit-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "libvz/cgroup.h"

namespace vz::runtime::internal {

// Capabilities no container keeps by default, privileged or not: module
// loading, raw I/O, the clock, MAC policy, the kernel log, accounting,
// perf/BPF, audit control, wake alarms, suspend blocking, checkpointing.
const std::vector<int>& DefaultDroppedCapabilities();

// The bounding set to keep: every capability this kernel knows
// (`last_cap`, /proc/sys/kernel/cap_last_cap) but the default drops,
// adjusted by CAPABILITY ("sys_time:on net_admin:off", names with or
// without "cap_", any case, separated by spaces or commas). Errors:
// kInvalidArgument, exit 21 (VZ_INVALID_PARAMETER_VALUE), naming the entry.
Result<std::vector<int>> CapabilitySet(std::string_view capability_key,
                                       int last_cap);

// The entries of a CAPABILITY value: (name without "cap_", lowercase, on).
// Errors: as CapabilitySet.
Result<std::vector<std::pair<std::string, bool>>> CapabilityEntries(
    std::string_view capability_key);

// The syscalls the seccomp filter denies: seccomp_policy.h.

// The devices every container gets: null, zero, full, random, urandom,
// tty, console, ptmx and the pts slaves.
std::vector<cgroup::DeviceRule> BaseDeviceRules();

// A DEVNODES entry ("fuse:rw", "net/tun:r"): the /dev path and access.
struct DevNode {
  std::string path;  // "/dev/fuse"
  std::string access;
  // From FEATURES: a start without it on the host goes on without it.
  bool optional = false;
  friend bool operator==(const DevNode&, const DevNode&) = default;
};
// A FEATURES entry, OpenVZ's "name:on|off".
struct Feature {
  std::string name;  // "tun"
  bool on = false;
  friend bool operator==(const Feature&, const Feature&) = default;
};
// The entries of FEATURES ("tun:on nfs:off", spaces or commas), one per
// name, where the last word wins. Names: OpenVZ's sysfs, nfs, nfsd, sit,
// ipip, ipgre, ppp, bridge, and tun, fuse. Errors: kInvalidArgument,
// exit 21, naming the entry (an unknown name lists the known ones).
Result<std::vector<Feature>> FeatureEntries(std::string_view features);
// The entries of FEATURES that parse, the others left out: what a start
// or an exec reads, so that a config saved before vz checked FEATURES (any
// word was taken then) does not stop its container. `vzctl set` checks.
std::vector<Feature> ValidFeatureEntries(std::string_view features);
// Why a feature changes nothing in a vz container, or "" for those that
// do (tun, fuse, ppp: a device node). `vzctl set` says it.
std::string_view FeatureWithoutEffect(std::string_view name);
// The device node a feature gives the container ("/dev/ppp"), or "".
std::string_view FeatureDevice(std::string_view name);

// DEVNODES, plus FEATURES tun:on, fuse:on and ppp:on as /dev/net/tun,
// /dev/fuse and /dev/ppp (optional; FEATURES read as ValidFeatureEntries).
// Errors: exit 21 naming the DEVNODES entry.
Result<std::vector<DevNode>> ParseDevNodes(std::optional<std::string> devnodes,
                                           std::optional<std::string> features);

// DEVICES ("c:10:200:rw b:8:all:r none"): rules with access r/w (OpenVZ's
// q is accepted and ignored). Errors: exit 21 naming the entry.
Result<std::vector<cgroup::DeviceRule>> ParseDevices(std::string_view text);

}  // namespace vz::runtime::internal
