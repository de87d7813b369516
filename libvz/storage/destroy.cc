// DestroyContainer and ContainerDiskUsage (doc/storage.md §4, §5).
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "base/file_util.h"
#include "libvz/ctid.h"
#include "libvz/exit_codes.h"
#include "libvz/journal.h"
#include "libvz/lock.h"
#include "libvz/storage.h"
#include "libvz/template.h"
#include "ploop/info.h"
#include "ploop/mount.h"

namespace vz {
namespace {

// The container's template as verified (cheaply, through its seal) before
// the base delta is unlinked, so the seal can take the new ctime after.
struct TemplateSeal {
  std::optional<ContainerLock> lock;
  std::optional<TemplateVerification> verified;
};

TemplateSeal CheckTemplateSeal(const NodeConfig& node, const VeConfig& ve) {
  TemplateSeal seal;
  auto name = ve.ostemplate();
  if (!name.has_value() || !*name) return seal;
  auto tlock = ContainerLock::AcquireTemplate(node.lock_dir(), **name);
  if (!tlock.has_value()) return seal;
  seal.lock = std::move(*tlock);
  auto v =
      TemplateStore::ForNode(node).Verify(**name, {.allow_unsigned = true});
  // A template changed or removed meanwhile is not resealed: its next use
  // re-hashes it.
  if (v.has_value()) seal.verified = std::move(*v);
  return seal;
}

}  // namespace

Status DestroyContainer(const NodeConfig& node, std::string_view ctid) {
  VZ_ASSIGN_OR_RETURN(ContainerLock names,
                      ContainerLock::AcquireNames(node.lock_dir()));
  VZ_ASSIGN_OR_RETURN(ContainerLock lock,
                      ContainerLock::Acquire(node.lock_dir(), ctid));
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(node, ctid));
  VZ_ASSIGN_OR_RETURN(std::string dd, DiskDescriptorOf(node, ve));
  VZ_ASSIGN_OR_RETURN(std::string priv, ve.VePrivate(node));
  VZ_ASSIGN_OR_RETURN(std::string root, ve.VeRoot(node));
  VZ_ASSIGN_OR_RETURN(auto m, ploop::FindMount(node.root(), dd));
  if (m) {
    Status s = ploop::Umount(node.root(), dd);
    if (!s.ok()) {
      return std::move(s)
          .WithContext("destroy container '" + std::string(ctid) + "'")
          .WithExitCode(kVzFsCantUmount);
    }
  }
  TemplateSeal seal = CheckTemplateSeal(node, ve);
  // The config goes last: a destroy cut short leaves a container that
  // `vzctl destroy` can finish, never a private area nothing names.
  Status removed = RemoveTree(priv);
  if (!removed.ok()) return std::move(removed).WithExitCode(kVzFsDelPrvt);
  ::rmdir(root.c_str());
  if (seal.verified) {
    (void)TemplateStore::ForNode(node).RecordLinkChange(*seal.verified);
  }
  const std::string conf = node.ConfigPathFor(ctid);
  if (::unlink(conf.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError(errno, "remove '" + conf + "'")
        .WithExitCode(kVzFsDelPrvt);
  }
  (void)AppendEvent(node.events_log(), MakeEvent(ctid, "destroy", ""));
  return OkStatus();
}

Result<DiskUsage> ContainerDiskUsage(const NodeConfig& node,
                                     const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(std::string dd, DiskDescriptorOf(node, ve));
  VZ_ASSIGN_OR_RETURN(ploop::ImageInfo info, ploop::GetImageInfo(dd));
  DiskUsage du;
  du.logical_bytes = info.virtual_bytes;
  VZ_ASSIGN_OR_RETURN(auto tmpl, ve.ostemplate());
  if (tmpl) du.ostemplate = *tmpl;
  for (const auto& d : info.deltas) {
    struct stat st;
    bool shared = d.shared;
    if (::stat(d.file.c_str(), &st) == 0 && st.st_nlink > 1) shared = true;
    if (shared) {
      du.shared_bytes += d.allocated_bytes;
    } else {
      du.own_bytes += d.allocated_bytes;
      du.physical_bytes += d.file_bytes;
    }
  }
  return du;
}

}  // namespace vz
