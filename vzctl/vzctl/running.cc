// Whether a container runs (its monitor lives). Before storage is pulled,
// CheckNotRunning also recovers what a dead monitor left, so no process of
// a crashed container still uses the disk.
#include "libvz/container.h"
#include "libvz/exit_codes.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {

Result<bool> IsRunning(const cli::Context& ctx, const std::string& ctid) {
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(ctx.node, ctid));
  return st.running();
}

Status CheckNotRunning(const cli::Context& ctx, const std::string& ctid) {
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(ctx.node, ctid));
  if (st.status == RunStatus::kStale) {
    // What a dead monitor left (processes, cgroups, network) goes first.
    VZ_RETURN_IF_ERROR(RecoverContainer(ctx.node, ctid).status());
    VZ_ASSIGN_OR_RETURN(st, GetRunState(ctx.node, ctid));
  }
  const bool running = st.status != RunStatus::kStopped;
  if (running) {
    return FailedPreconditionError("container '" + ctid +
                                   "' is running: stop it first")
        .WithExitCode(kVzVeRunning);
  }
  return OkStatus();
}

}  // namespace vz::vzctl
