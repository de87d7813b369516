// vzctl mount|umount CTID (doc/vzctl.md).
#include "libvz/exit_codes.h"
#include "libvz/lock.h"
#include "libvz/storage.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {

Status RunMount(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_ASSIGN_OR_RETURN(ContainerLock lock,
                      ContainerLock::Acquire(ctx.node.lock_dir(), ctid));
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(ctx.node, ctid));
  VZ_ASSIGN_OR_RETURN(StorageMount m, MountContainer(ctx.node, ve));
  if (m.grew) cli::Say(ctx, "Resized the disk to DISKSPACE");
  cli::Say(ctx, "Container " + ctid + " is mounted at " + m.ve_root);
  return OkStatus();
}

Status RunUmount(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_RETURN_IF_ERROR(CheckNotRunning(ctx, ctid));
  VZ_ASSIGN_OR_RETURN(ContainerLock lock,
                      ContainerLock::Acquire(ctx.node.lock_dir(), ctid));
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(ctx.node, ctid));
  VZ_RETURN_IF_ERROR(UmountContainer(ctx.node, ve));
  cli::Say(ctx, "Container " + ctid + " is unmounted");
  return OkStatus();
}

}  // namespace vz::vzctl
