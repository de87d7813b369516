// vzctl destroy|delete CTID (doc/vzctl.md).
#include "libvz/storage.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {

Status RunDestroy(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_RETURN_IF_ERROR(CheckNotRunning(ctx, ctid));
  cli::Say(ctx, "Destroying container private area");
  VZ_RETURN_IF_ERROR(DestroyContainer(ctx.node, ctid));
  cli::Say(ctx, "Container " + ctid + " was destroyed");
  return OkStatus();
}

}  // namespace vz::vzctl
