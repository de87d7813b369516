// vzctl console|suspend|resume|recover CTID (doc/vzctl.md).
#include <iostream>

#include "libvz/container.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {

Status RunConsole(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  cli::Say(ctx, "Attached to the console of " + ctid + " (Esc . detaches)");
  VZ_RETURN_IF_ERROR(AttachConsole(ctx.node, ctid, 0, 1));
  cli::Say(ctx, "\r\nDetached");
  return OkStatus();
}

Status RunSuspend(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_RETURN_IF_ERROR(SuspendContainer(ctx.node, ctid));
  cli::Say(ctx, "Container " + ctid + " is suspended (frozen)");
  return OkStatus();
}

Status RunResume(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_RETURN_IF_ERROR(ResumeContainer(ctx.node, ctid));
  cli::Say(ctx, "Container " + ctid + " is resumed");
  return OkStatus();
}

Status RunRecover(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description flags;
  flags.add_options()("all", "");
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, flags, {"ctid"}));
  if (vm.count("all")) {
    VZ_ASSIGN_OR_RETURN(auto cleaned, RecoverAll(ctx.node));
    for (const auto& c : cleaned) cli::Say(ctx, "Recovered container " + c);
    return OkStatus();
  }
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_ASSIGN_OR_RETURN(bool cleaned, RecoverContainer(ctx.node, ctid));
  cli::Say(ctx, cleaned ? "Recovered container " + ctid
                        : "Container " + ctid + " has no stale state");
  return OkStatus();
}

}  // namespace vz::vzctl
