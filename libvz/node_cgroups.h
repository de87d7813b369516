// The node's own cgroups beside its tenants' (doc/runtime.md §2).
//
// Containers live in `<prefix>/<tenant>/<CTID>`. The node's background
// jobs (a host key refill, started by a container's first mount) run in
// `<prefix>/node.idle`, a sibling of the tenants made idle in the CPU
// controller (`cpu.idle`; the smallest weight where the kernel lacks it).
// A process's own SCHED_IDLE is not enough: it is idle only beside the
// processes of its own group, and a detached job is alone in its
// autogroup (or in its service's cgroup on a systemd host), a group that
// gets an equal share of the CPU beside each container. Measured here: a
// refill's ssh-keygen, SCHED_IDLE in its autogroup, made a Debian
// container's first start 115 ms longer (doc/templates.md §9).
//
// The name has a '.', which no tenant name may have, so it cannot collide.
#pragma once

#include <functional>
#include <string_view>

#include "base/status.h"
#include "libvz/cgroup.h"
#include "libvz/node_config.h"

namespace vz {

inline constexpr std::string_view kIdleJobsCgroup = "node.idle";

// Where this node's cgroups live: the detected layout, and on v2 the base
// below the root (CGROUP_BASE, default "vz.slice" on a systemd host).
// Errors: as cgroup::Detect.
Result<cgroup::CgroupFs> NodeCgroupFs(const NodeConfig& node);

// Runs `job` in a forked child inside the node's idle cgroup (every
// hierarchy; no limit is set there but the CPU's idleness), at SCHED_IDLE,
// nice 19 and idle I/O priority, and returns its Status once it has ended.
// The caller stays where it is and removes the group after, unless another
// job is in it; nothing has to move back out (which a cgroup namespace's
// root on v2 may refuse). Where the group cannot be made (no cgroupfs, no
// CPU controller offered), `job` runs in the caller at those priorities,
// and the warning is logged. Call from a single-threaded process
// (ForkedCall). Errors: `job`'s; kInternal when the child died without a
// result (EndIdleJobs killed it).
Status RunIdleJob(const NodeConfig& node, const std::function<Status()>& job);
// The same below `fs` (tests).
Status RunIdleJob(const cgroup::CgroupFs& fs, std::string_view prefix,
                  const std::function<Status()>& job);

// Ends every job in the node's idle cgroup and removes it (node teardown,
// tests): a container's CPU weight first, since a killed process must run
// to exit and in an idle group on busy CPUs may wait indefinitely (a
// killed refill was still there seconds later while tests kept both CPUs
// busy); then SIGKILL to all in it, and the cgroup removed once they are
// reaped. A job is in the group from its child's first steps on, before it
// takes any lock of its own. Gone is OK. Errors: as cgroup::Cgroup::KillAll
// and Remove.
Status EndIdleJobs(const cgroup::CgroupFs& fs, std::string_view prefix);

}  // namespace vz
