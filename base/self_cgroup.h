// Where the calling process sits in the cgroup hierarchies.
//
// Moving a process between cgroups waits for an RCU grace period (about
// 10 ms on this kind of host); callers that only want to be at the root
// ask first and skip the move when they are there already.
#pragma once

#include <string_view>

namespace vz {

// True when every line of a /proc/PID/cgroup text names the root ("/").
bool AllRootCgroups(std::string_view proc_pid_cgroup);
// The same for /proc/self/cgroup; false when it cannot be read.
bool InRootCgroups();

// True when the calling process has one thread (a cgroup v1 move of the
// current thread then moves the whole process; libvz/cgroup.h AttachSelf).
// False when /proc/self/status cannot be read.
bool SingleThreaded();

}  // namespace vz
