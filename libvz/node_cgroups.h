// The node's own cgroups beside its tenants' (doc/runtime.md §2).
//
// Containers live in `<prefix>/<tenant>/<CTID>`. The node's background
// jobs (a host key refill, started by a container's first mount) run in
// `<prefix>/node.idle`, a sibling of the tenants made idle in the CPU
// controller (`cpu.idle`; a weight of 2 where the kernel lacks it). A
// process's own SCHED_IDLE is not enough: it is idle only beside the
// processes of its own group, and a detached job is alone in its
// autogroup (or in its service's cgroup on a systemd host), a group that
// gets an equal share of the CPU beside each container. Measured here: a
// refill's ssh-keygen, SCHED_IDLE in its autogroup, made a Debian
// container's first start 115 ms longer (doc/templates.md §9).
//
// The name has a '.', which no tenant name may have, so it cannot collide.
#pragma once

#include <chrono>
#include <memory>
#include <string>
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

// The calling process inside the node's idle cgroup, in every hierarchy
// (no limit is set there but the CPU's idleness), so that EndIdleJobs
// finds it wherever it is in its life.
class IdleJobsCgroup {
 public:
  // Creates `<prefix>/node.idle` below `fs` if needed, makes it idle and
  // moves the caller in. The caller must be its process's only thread
  // (cgroup::Cgroup::AttachSelf). Errors: as mkdir/write.
  static Result<IdleJobsCgroup> Enter(const cgroup::CgroupFs& fs,
                                      std::string_view prefix);

  // Moves the caller back to the root cgroups and removes the idle cgroup,
  // unless another job is still in it. Errors: as write/rmdir.
  Status Leave();

 private:
  IdleJobsCgroup(cgroup::CgroupFs fs, std::unique_ptr<cgroup::Cgroup> cg)
      : fs_(std::move(fs)), cg_(std::move(cg)) {}
  cgroup::CgroupFs fs_;
  std::unique_ptr<cgroup::Cgroup> cg_;
};

// Ends every job in the node's idle cgroup and removes it (node teardown,
// tests): a container's CPU weight first, since a killed process must run
// to exit and in an idle group on busy CPUs may wait indefinitely (a
// killed refill was still there seconds later while tests kept both CPUs
// busy); then SIGKILL to all in it, and the cgroup removed once they are
// reaped. This finds a job that has not yet taken its lock, as a detached
// refill has not for a while after its start. Gone is OK. Errors: as
// cgroup::Cgroup::KillAll and Remove.
Status EndIdleJobs(const cgroup::CgroupFs& fs, std::string_view prefix);

}  // namespace vz
