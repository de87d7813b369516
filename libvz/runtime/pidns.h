// Forking into a running container's PID namespace (Exec, KillNamespace).
#pragma once

#include <sys/types.h>

#include "base/status.h"
#include "base/unique_fd.h"

namespace vz::runtime::internal {

// Whether the init `init_pid` has ended: no such process, or a zombie
// its parent has not reaped yet.
bool InitGone(pid_t init_pid);

// Whether `fd` is the namespace `name` ("pid", "user") this process is in
// already (the same nsfs inode).
bool IsOwnNamespace(int fd, const char* name);

// Opens /proc/<init_pid>/ns/<name> ("pid", "mnt", ...). Errors: kNotFound
// when the init is gone; as open(2).
Result<UniqueFd> OpenNamespace(pid_t init_pid, const char* name);

// Forks a child inside the PID namespace `ns_fd` (the container's whose
// init is `init_pid`): this process joins it for the one fork and goes
// back, so its later children are in its own namespace again. Returns the
// child's pid, and 0 in the child, as fork(2). Call from a single-threaded
// process. Errors: kNotFound when the init is gone (a PID namespace whose
// init has died takes no new process); as setns(2) and fork(2); kInternal
// if this process could not go back to its own PID namespace (its next
// children would start inside the container).
Result<pid_t> ForkInPidNamespace(int ns_fd, pid_t init_pid);

// Waits for the child `pid` through EINTR: its exit code, 128+N when
// killed by signal N, 127 when waiting fails.
int WaitCode(pid_t pid);

}  // namespace vz::runtime::internal
