// The container's own view of its resources (doc/runtime.md §lxcfs):
// Debian's lxcfs, one per node, mounted at <root>/var/lib/vz/lxcfs, whose
// files the runtime binds over the container's /proc/{cpuinfo,meminfo,
// stat,uptime,loadavg,diskstats,swaps} and /sys/devices/system/cpu/online.
// lxcfs answers each reader from the reader's cgroup, so `free` shows the
// container's RAM and swap, /proc/cpuinfo its CPUs (not `nproc`, which
// counts the affinity mask: --cpumask), `uptime` its own.
//
// Supervision: every container start calls EnsureLxcfs, which starts
// lxcfs when it is missing or dead (a dead FUSE mount is detached first);
// each monitor checks it while its container runs and rebinds the files in
// its container after a restart (RebindLxcfs).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/node_config.h"

namespace vz {

// <root>/var/lib/vz/lxcfs.
std::string LxcfsDir(const NodeConfig& node);

// The files bound into containers, relative to the lxcfs mount and to the
// container's root ("proc/meminfo", ...).
const std::vector<std::string>& LxcfsFiles();

// Whether lxcfs answers at `dir` (a live FUSE mount with proc/meminfo).
bool LxcfsAlive(const std::string& dir);

// Looks up each of LxcfsFiles() below `dir`. lxcfs keeps a name valid for
// 0.5 s only, after which the next path walk through it asks lxcfs again
// (about 1-2 ms in all for the init's eight bind mounts): a start calls
// this while its disk mounts, so that the init's binds, made right after,
// find every name fresh. Blocks for as long as lxcfs takes to answer, as
// the binds would; a file that cannot be looked up is left to the bind,
// which reports it.
void RefreshLxcfsNames(const std::string& dir);

// Starts the node's lxcfs unless it answers: detached in a session of its
// own (it outlives vzctl), `-l --enable-cfs`, pid in <root>/run/vz/
// lxcfs.pid, log in <root>/var/log/vz/lxcfs.log; waits up to 5 s for it.
// With `for_userns` (an unprivileged container, whose init looks the files
// up as an unmapped ID), also makes sure every directory on the way to the
// mount lets others search it: o+x (and g+x) on the node's /var/lib/vz
// when it lacks it. Returns its mount dir. Errors: kNotFound when lxcfs is
// not installed; kDeadlineExceeded when it does not come up;
// kFailedPrecondition naming a host directory above /var/lib/vz that
// others cannot search.
Result<std::string> EnsureLxcfs(const NodeConfig& node, bool for_userns);

// Binds the lxcfs files again inside the container whose init is
// `init_pid` (after lxcfs restarted, the old binds point at a dead mount).
Status RebindLxcfs(const std::string& dir, pid_t init_pid);

// Stops the node's lxcfs (by the pid in its pid file, if it is lxcfs) and
// unmounts it: node teardown and tests.
Status StopLxcfs(const NodeConfig& node);

}  // namespace vz
