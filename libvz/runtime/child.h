// The init's side of CreateInit, and the messages on the socket pair
// between it and its parent (init.cc).
//
// Protocol: parent sends the root mount fd (SCM_RIGHTS) once the ID maps
// and cgroup are in place; the child sets up its filesystem and answers
// "R" (ready) or "E<errno>:<message>"; the parent sends "G" (go); the child
// execs, and the socket closes on exec (EOF) or carries "E...".
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/runtime.h"
#include "libvz/runtime/mount_plan.h"
#include "libvz/runtime/security.h"

namespace vz::runtime::internal {

// Never returns: execs the init or _exits after reporting the error.
[[noreturn]] void RunInitChild(const Spec& spec,
                               const std::vector<MountStep>& plan, int sync);

Status SendFd(int sock, int fd);
Result<int> RecvFd(int sock);
// Writes "E<errno>:<message>".
void SendError(int sock, const Status& s);
// Reads one message: "" at EOF; an "E..." message becomes its Status.
Result<std::string> ReadMessage(int sock);

}  // namespace vz::runtime::internal
