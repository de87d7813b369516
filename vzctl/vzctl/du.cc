// vzctl du CTID: the container's disk by who holds the bytes.
#include <iostream>

#include "libvz/storage.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {

Status RunDu(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(ctx.node, ctid));
  VZ_ASSIGN_OR_RETURN(DiskUsage du, ContainerDiskUsage(ctx.node, ve));
  std::cout << "logical        " << cli::Mib(du.logical_bytes) << "\n"
            << "own            " << cli::Mib(du.own_bytes)
            << "   (clusters only this container holds)\n"
            << "shared         " << cli::Mib(du.shared_bytes)
            << "   (with template " << du.ostemplate << ")\n"
            << "physical own   " << cli::Mib(du.physical_bytes)
            << "   (its delta files on the host)\n";
  return OkStatus();
}

}  // namespace vz::vzctl
