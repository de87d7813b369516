// vzctl du CTID: the container's disk by who holds the bytes.
#include <cstdio>
#include <iostream>

#include "libvz/storage.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {
namespace {

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fM",
                static_cast<double>(bytes) / (1 << 20));
  return buf;
}

}  // namespace

Status RunDu(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(ctx.node, ctid));
  VZ_ASSIGN_OR_RETURN(DiskUsage du, ContainerDiskUsage(ctx.node, ve));
  std::cout << "logical        " << Mib(du.logical_bytes) << "\n"
            << "own            " << Mib(du.own_bytes)
            << "   (clusters only this container holds)\n"
            << "shared         " << Mib(du.shared_bytes) << "   (with template "
            << du.ostemplate << ")\n"
            << "physical own   " << Mib(du.physical_bytes)
            << "   (its delta files on the host)\n";
  return OkStatus();
}

}  // namespace vz::vzctl
