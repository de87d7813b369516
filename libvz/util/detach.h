// Starting a long-lived helper process (a container's monitor, the node's
// lxcfs) that belongs to no caller.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace vz {

// Runs `args` (args[0] a path) forked twice, in a session of its own, so it
// outlives the caller and is nobody's child to reap: stdin from /dev/null,
// stdout and stderr appended to `log`, `pass_fd` (when >= 0) as its fd 3,
// every other fd closed. Returns once the intermediate child has exited.
// Forks: call from a single-threaded process. Errors: fork failing.
Status SpawnDetached(std::vector<std::string> args, const std::string& log,
                     int pass_fd = -1);

}  // namespace vz
