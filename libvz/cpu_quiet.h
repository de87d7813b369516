// Waiting for the node's CPUs to calm down, for background work that
// should not run beside a container's boot (a host key refill started by
// a first mount, doc/templates.md §9).
//
// Why a wait on top of an idle cgroup (node_cgroups.h): an idle job takes
// CPU time only where no container wants it, but running beside a boot it
// still costs the boot. Measured here, interleaved Debian first starts: 304
// ms with no refill, 355 with the refill in the idle cgroup, 444 before.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace vz {

// The node's CPU time so far (all CPUs), from /proc/stat's "cpu" line, in
// the kernel's ticks: idle is idle + iowait, busy the rest it counts
// (user, nice, system, irq, softirq, steal).
struct CpuTimes {
  uint64_t busy = 0;
  uint64_t idle = 0;
};

// Parses /proc/stat's text. Errors: kInvalidArgument without a "cpu" line
// of at least the first five fields.
Result<CpuTimes> ParseCpuTimes(std::string_view proc_stat);

// The share of the time between two samples the CPUs were idle, 0 to 1;
// 1 when no tick passed.
double IdleShare(const CpuTimes& before, const CpuTimes& after);

// Sleeps until the CPUs were at least `min_idle` idle over one `window`,
// at most `limit`. True when they were; false at the limit, or when
// /proc/stat cannot be read (the caller goes on either way).
bool WaitForQuietCpus(double min_idle, std::chrono::milliseconds window,
                      std::chrono::milliseconds limit);

}  // namespace vz
