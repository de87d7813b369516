// Whether a container runs, by its cgroup (DESIGN §2: <prefix>/<tenant>/
// <CTID>): a container with a live process in it is running, whatever its
// monitor's state, so storage is never pulled from under one.
#include "base/file_util.h"
#include "libvz/exit_codes.h"
#include "libvz/ve_config.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {

Result<bool> IsRunning(const cli::Context& ctx, const std::string& ctid) {
  auto ve = VeConfig::Load(ctx.node, ctid);
  if (!ve.has_value()) return false;
  VZ_ASSIGN_OR_RETURN(std::string tenant, ve->tenant());
  const std::string procs = "/sys/fs/cgroup/pids/" + ctx.node.root().prefix() +
                            "/" + tenant + "/" + ctid + "/cgroup.procs";
  auto text = ReadFile(procs);
  return text.has_value() && !text->empty();
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
