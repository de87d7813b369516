// vzctl status CTID: OpenVZ's one line, "CTID 101 exist mounted running"
// (doc/vzctl.md).
#include <iostream>

#include "libvz/container.h"
#include "libvz/ctid.h"
#include "libvz/storage.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {

Status RunStatus(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string arg, cli::Positional(vm, "ctid", "CTID"));
  // An unknown container is a status ("deleted"), not an error.
  auto resolved = ResolveContainer(ctx.node.conf_dir(), arg);
  std::string ctid = resolved.has_value() ? *resolved : arg;
  VZ_ASSIGN_OR_RETURN(StorageState st, GetStorageState(ctx.node, ctid));
  VZ_ASSIGN_OR_RETURN(RunState run, GetRunState(ctx.node, ctid));
  const bool running = run.running();  // one reading for the line and warning
  std::cout << "CTID " << ctid << (st.exists ? " exist" : " deleted")
            << (st.mounted ? " mounted" : " unmounted")
            << (running ? " running" : " down")
            << (run.frozen ? " suspended" : "") << "\n";
  // The line stays OpenVZ's (scripts parse it); what it cannot say, here.
  if (run.status == vz::RunStatus::kStale && run.orphans > 0) {
    std::cerr << "warning: container '" << ctid
              << "' has lost its monitor (killed?), but " << run.orphans
              << " of its processes still run, unmanaged; 'vzctl stop " << ctid
              << "' or 'vzctl recover " << ctid << "' ends them\n";
  }
  return OkStatus();
}

}  // namespace vz::vzctl
