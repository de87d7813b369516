// vzctl start|stop|restart CTID (doc/vzctl.md).
#include <chrono>

#include "libvz/container.h"
#include "libvz/exit_codes.h"
#include "libvz/onboot.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {
namespace {

Status Start(cli::Context& ctx, const std::string& ctid,
             const cli::po::variables_map& vm) {
  StartOptions options{.wait = vm.count("wait") > 0,
                       .premounted = vm.count("premounted") > 0,
                       .force = vm.count("force") > 0};
  cli::Say(ctx, "Starting container " + ctid + " ...");
  VZ_RETURN_IF_ERROR(StartContainer(ctx.node, ctid, options));
  cli::Say(ctx, "Container " + ctid + " is started");
  return OkStatus();
}

Status Stop(cli::Context& ctx, const std::string& ctid,
            const cli::po::variables_map& vm) {
  StopOptions options{.fast = vm.count("fast") > 0,
                      .skip_umount = vm.count("skip-umount") > 0};
  if (vm.count("timeout")) {
    options.timeout = std::chrono::seconds(vm["timeout"].as<int>());
  }
  cli::Say(ctx, "Stopping container " + ctid + " ...");
  VZ_RETURN_IF_ERROR(StopContainer(ctx.node, ctid, options));
  cli::Say(ctx, "Container " + ctid + " was stopped");
  return OkStatus();
}

cli::po::options_description StartFlags() {
  cli::po::options_description o;
  o.add_options()("wait", "")("premounted", "")("force", "")("onboot", "")(
      "parallel", cli::po::value<unsigned>(), "");
  return o;
}

cli::po::options_description StopFlags() {
  cli::po::options_description o;
  o.add_options()("fast", "")("timeout", cli::po::value<int>(), "")(
      "skip-umount", "");
  return o;
}

// vzctl start --onboot [--parallel N]: the node's ONBOOT containers.
Status StartAll(cli::Context& ctx, const cli::po::variables_map& vm) {
  OnbootOptions o;
  if (vm.count("parallel")) o.parallel = vm["parallel"].as<unsigned>();
  VZ_ASSIGN_OR_RETURN(OnbootReport r, StartOnboot(ctx.node, o));
  for (const auto& ctid : r.started)
    cli::Say(ctx, "Container " + ctid + " is started");
  for (const auto& f : r.failed)
    cli::Say(ctx, "Container " + f + ": start failed");
  if (!r.failed.empty()) {
    // A config that cannot be read is among the failures, not the order.
    return FailedPreconditionError(
               std::to_string(r.failed.size()) +
               " containers failed to start or could not be read (" +
               std::to_string(r.started.size()) + " of " +
               std::to_string(r.order.size()) + " ONBOOT containers started)")
        .WithExitCode(kVzEnvCreateError);
  }
  return OkStatus();
}

}  // namespace

Status RunStart(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, StartFlags(), {"ctid"}));
  if (vm.count("onboot")) {
    if (vm.count("ctid")) return cli::Usage("--onboot takes no CTID");
    return StartAll(ctx, vm);
  }
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  return Start(ctx, ctid, vm);
}

Status RunStop(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, StopFlags(), {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  return Stop(ctx, ctid, vm);
}

Status RunRestart(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description flags = StartFlags();
  flags.add(StopFlags());
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, flags, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(ctx.node, ctid));
  if (st.running()) VZ_RETURN_IF_ERROR(Stop(ctx, ctid, vm));
  return Start(ctx, ctid, vm);
}

}  // namespace vz::vzctl
