// What a device server does to itself before serving, so that it keeps
// working when the containers above it misbehave (DESIGN.md §3):
// - leaves the caller's session and cgroups: it runs in the node's own
//   (root) cgroups, never a container's, so a container's memory limit or
//   OOM kill cannot reach it;
// - PR_SET_IO_FLUSHER: its allocations never recurse into I/O (it is the
//   one doing writeback for the filesystem above it);
// - oom_score_adj -1000 and mlockall(MCL_ONFAULT): it is not the OOM
//   killer's victim and its pages are never swapped out.
// Each step logs and continues when the kernel refuses it.
#pragma once

#include <string>

namespace ploop::server {

void DetachFromCaller();
// Called once the mount above is served: a move waits for an RCU grace
// period. Allocations made before it stay charged to the caller's memory
// cgroup (a few rings and buffers).
void MoveToRootCgroups();
void ProtectFromMemoryPressure();
// Number of possible CPUs (the kernel's FUSE queue count).
int PossibleCpus();

}  // namespace ploop::server
