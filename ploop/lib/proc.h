// Small views of /proc: mount points and processes, for mount bookkeeping.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace ploop {

struct MountEntry {
  std::string source;       // e.g. "/dev/loop3"
  std::string mount_point;  // unescaped
  std::string fstype;
};

// The mounts of this process's mount namespace.
vz::Result<std::vector<MountEntry>> ReadMounts();
// The mount entry whose mount point is `path` (already canonical), if any.
std::optional<MountEntry> FindMountPoint(const std::string& path);
// Mounts of `source`.
std::vector<MountEntry> FindMountsOf(const std::string& source);

// The process's start time in clock ticks since boot, or nullopt if it is
// gone or a zombie. A pid with a different start time is someone else.
std::optional<uint64_t> ProcessStartTime(pid_t pid);
// Waits up to `ms` for `pid` to end (any process, not only children).
bool WaitProcessGone(pid_t pid, uint64_t start_time, int ms);

}  // namespace ploop
