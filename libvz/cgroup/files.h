// Reading and writing cgroupfs files, shared by the v1 and v2 backends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/poll_for.h"
#include "base/status.h"

namespace vz::cgroup::internal {

// Writes `value` with one write(2), as the kernel wants. `fake`: the file
// may be created (a plain directory standing in for cgroupfs).
Status WriteValue(const std::string& path, std::string_view value, bool fake);
Result<std::string> ReadValue(const std::string& path);

// The number after `key` in a "key value" per line file (memory.events,
// memory.oom_control); 0 when the key is absent.
Result<uint64_t> ReadKeyed(const std::string& path, std::string_view key);
Result<uint64_t> ReadNumber(const std::string& path);

// PIDs in `dir`/cgroup.procs and in every child directory's.
Result<std::vector<pid_t>> ReadPidsRecursive(const std::string& dir);

// rmdir of `dir` and its child directories, deepest first, retrying EBUSY
// until `wait` passes. A missing `dir` is OK. `fake`: files inside are
// removed too (a real cgroup directory holds only kernel files).
Status RemoveCgroupDir(const std::string& dir, std::chrono::milliseconds wait,
                       bool fake);

// A file name a caller may write: no '/', not "." or "..".
Status CheckFileName(std::string_view file);

}  // namespace vz::cgroup::internal
