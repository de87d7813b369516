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

// The same for a program that puts itself in the background at once (it
// forks and its first process exits: vz-monitor): started with
// posix_spawn, which does not copy the caller's page tables as the two
// forks above do (0.2-0.3 ms of a container's start for vzctl's), in a
// session of its own, with the same descriptors. Returns once the first
// process has exited (reaped). Errors: posix_spawn's, naming args[0].
Status SpawnSelfDetaching(std::vector<std::string> args, const std::string& log,
                          int pass_fd = -1);

}  // namespace vz
