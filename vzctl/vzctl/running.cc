// Whether a container runs: its monitor lives, or (kStale) processes are
// still in its cgroup whatever its monitor's state, so storage is never
// pulled from under one.
#include "libvz/container.h"
#include "libvz/exit_codes.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {

Result<bool> IsRunning(const cli::Context& ctx, const std::string& ctid) {
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(ctx.node, ctid));
  return st.status != RunStatus::kStopped;
}

Status CheckNotRunning(const cli::Context& ctx, const std::string& ctid) {
  VZ_ASSIGN_OR_RETURN(bool running, IsRunning(ctx, ctid));
  if (running) {
    return FailedPreconditionError("container '" + ctid +
                                   "' is running: stop it first")
        .WithExitCode(kVzVeRunning);
  }
  return OkStatus();
}

}  // namespace vz::vzctl
