// Mounting a container's disk at VE_ROOT (doc/storage.md §3).
#include "ploop/mount.h"

#include <sys/stat.h>

#include "base/file_util.h"
#include "base/size.h"
#include "libvz/exit_codes.h"
#include "libvz/storage.h"
#include "libvz/storage/disk_size.h"
#include "libvz/storage/identity.h"
#include "libvz/storage/private_area.h"
#include "ploop/disk_descriptor.h"
#include "ploop/image.h"
#include "ploop/ops.h"

namespace vz {
namespace {

constexpr uint64_t kMiB = 1 << 20;

// DISKSPACE's hard limit rounded down to whole MiB (ploop's granularity
// here), at least 16 MiB.
Result<std::optional<uint64_t>> WantedDiskBytes(const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(auto disk, ve.diskspace());
  if (!disk) return std::optional<uint64_t>();
  uint64_t bytes = disk->hard / kMiB * kMiB;
  return std::optional<uint64_t>(std::max<uint64_t>(bytes, 16 * kMiB));
}

// The disk size the descriptor records (ploop keeps it equal to the
// deltas' and refuses a stack that disagrees at mount): one small file
// read on every start, not an open of the whole delta stack. Remembered
// in $VE_PRIVATE/disk-size (doc/storage.md §3): libxml2, and ICU with it,
// is loaded only when the descriptor changed since.
Result<uint64_t> ImageBytes(const NodeConfig& node, const VeConfig& ve,
                            const std::string& dd) {
  VZ_ASSIGN_OR_RETURN(std::string priv, ve.VePrivate(node));
  const std::string path = storage::DiskSizePath(priv);
  auto id = IdentityOf(dd);
  if (id.has_value()) {
    if (auto bytes = storage::RememberedDiskSize(path, *id)) return *bytes;
  }
  VZ_ASSIGN_OR_RETURN(ploop::DiskDescriptor d, ploop::ReadDiskDescriptor(dd));
  const uint64_t bytes = d.disk_size_sectors * 512;
  // Not when the descriptor was replaced while it was read. A hint: a
  // failed write only means reading it again next time.
  if (id.has_value() && IdentityOf(dd).value_or({}) == *id) {
    (void)storage::RememberDiskSize(path,
                                    {.descriptor = *id, .disk_bytes = bytes});
  }
  return bytes;
}

// DISKSPACE in bytes when the (unmounted) disk differs from it.
Result<std::optional<uint64_t>> ResizeTarget(const NodeConfig& node,
                                             const VeConfig& ve,
                                             const std::string& dd) {
  VZ_ASSIGN_OR_RETURN(auto wanted, WantedDiskBytes(ve));
  if (!wanted) return wanted;
  VZ_ASSIGN_OR_RETURN(uint64_t now, ImageBytes(node, ve, dd));
  return now == *wanted ? std::optional<uint64_t>() : wanted;
}

// Resizes the (unmounted) disk to DISKSPACE when they differ: the first
// mount after create, or after `vzctl set --diskspace` on a stopped
// container. Returns whether it did.
Result<bool> FitDisk(const NodeConfig& node, const VeConfig& ve,
                     const std::string& dd) {
  VZ_ASSIGN_OR_RETURN(auto wanted, ResizeTarget(node, ve, dd));
  if (!wanted) return false;
  auto r = ploop::ResizeImageWithFs(node.root(), dd, *wanted);
  if (!r.has_value()) {
    return std::move(r)
        .error()
        .WithContext("resize the disk to DISKSPACE")
        .WithExitCode(kVzResizeImage);
  }
  // The resize replaced the descriptor: the next start need not read it.
  VZ_ASSIGN_OR_RETURN(std::string priv, ve.VePrivate(node));
  storage::RememberWrittenDescriptor(priv, dd, r->new_bytes);
  return true;
}

Result<std::optional<uint64_t>> UintKey(const VeConfig& ve, const char* key,
                                        uint64_t max) {
  auto v = ve.Get(key);
  if (!v || v->empty()) return std::optional<uint64_t>();
  auto n = ParseUint(*v);
  if (!n.has_value() || *n > max) {
    return InvalidArgumentError("config key " + std::string(key) + " '" + *v +
                                "' is not a number up to " +
                                std::to_string(max))
        .WithExitCode(kVzInvalidParameterValue);
  }
  return std::optional<uint64_t>(*n);
}

Result<ploop::IoLimits> IoLimitsOf(const VeConfig& ve) {
  ploop::IoLimits l;
  constexpr uint64_t kMax = ~uint64_t{0};
  VZ_ASSIGN_OR_RETURN(auto bytes, UintKey(ve, "IOLIMIT", kMax));
  VZ_ASSIGN_OR_RETURN(auto ops, UintKey(ve, "IOPSLIMIT", kMax));
  VZ_ASSIGN_OR_RETURN(auto prio, UintKey(ve, "IOPRIO", 7));
  l.bytes_per_sec = bytes.value_or(0);
  l.ops_per_sec = ops.value_or(0);
  l.priority = static_cast<uint32_t>(prio.value_or(4));
  return l;
}

}  // namespace

Status ValidateIoLimits(const VeConfig& ve) { return IoLimitsOf(ve).status(); }

Status ApplyIoLimits(const NodeConfig& node, const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(ploop::IoLimits l, IoLimitsOf(ve));
  VZ_ASSIGN_OR_RETURN(std::string dd, DiskDescriptorOf(node, ve));
  Status s = ploop::SetIoLimits(node.root(), dd, l);
  if (!s.ok()) return std::move(s).WithContext("set the I/O limits");
  return OkStatus();
}

// A new device server has no limits and priority 4: nothing to send then
// (four control round trips saved at every start).
Status ApplyIoLimitsIfSet(const NodeConfig& node, const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(ploop::IoLimits l, IoLimitsOf(ve));
  if (l.bytes_per_sec == 0u && l.ops_per_sec == 0u && l.priority == 4u) {
    return OkStatus();
  }
  return ApplyIoLimits(node, ve);
}

Result<std::string> DiskDescriptorOf(const NodeConfig& node,
                                     const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(std::string priv, ve.VePrivate(node));
  return JoinPath(JoinPath(priv, storage::kDiskDir), ploop::kDescriptorName);
}

Result<bool> MountWillResize(const NodeConfig& node, const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(std::string dd, DiskDescriptorOf(node, ve));
  if (!PathExists(dd)) return false;  // MountContainer says what is wrong
  VZ_ASSIGN_OR_RETURN(auto wanted, ResizeTarget(node, ve, dd));
  return wanted.has_value();
}

Result<bool> ResizeStoppedDisk(const NodeConfig& node, const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(std::string dd, DiskDescriptorOf(node, ve));
  if (!PathExists(dd)) return false;  // a container on a directory
  VZ_ASSIGN_OR_RETURN(auto existing, ploop::FindMount(node.root(), dd));
  if (existing) return false;
  return FitDisk(node, ve, dd);
}

Result<StorageMount> MountContainer(const NodeConfig& node,
                                    const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(std::string dd, DiskDescriptorOf(node, ve));
  VZ_ASSIGN_OR_RETURN(std::string ve_root, ve.VeRoot(node));
  if (!PathExists(dd)) {
    return NotFoundError("container '" + ve.ctid() + "' has no disk at '" + dd +
                         "'")
        .WithExitCode(kVzFsNoPrvt);
  }
  VZ_ASSIGN_OR_RETURN(auto existing, ploop::FindMount(node.root(), dd));
  if (existing && existing->alive && !existing->mount_point.empty()) {
    return AlreadyExistsError("container '" + ve.ctid() +
                              "' is already mounted at '" +
                              existing->mount_point + "'")
        .WithExitCode(kVzFsMounted);
  }
  StorageMount out;
  out.ve_root = ve_root;
  auto grew = FitDisk(node, ve, dd);
  if (!grew.has_value()) return std::move(grew).error();
  out.grew = *grew;
  Status dirs = MakeDirs(ve_root, 0755);
  if (!dirs.ok()) return std::move(dirs).WithExitCode(kVzFsMpointCreate);
  ploop::MountOptions opts;
  opts.mount_point = ve_root;
  if (auto priv = ve.VePrivate(node); priv.has_value()) {
    opts.descriptor_memo = storage::DescriptorMemoPath(*priv);
  }
  auto m = ploop::Mount(node.root(), dd, opts);
  if (!m.has_value()) {
    return std::move(m)
        .error()
        .WithContext("mount container '" + ve.ctid() + "'")
        .WithExitCode(kVzFsCantMount);
  }
  out.device = m->device;
  const auto pool = storage::HostKeyPool::ForNode(node);
  auto made = storage::MakeIdentityIfNew(ve_root, &pool);
  if (!made.has_value()) {
    (void)ploop::Umount(node.root(), dd);
    return std::move(made).error().WithContext(
        "make the machine identity of container '" + ve.ctid() + "'");
  }
  out.identity_made = made->any;
  if (made->host_keys) storage::StartHostKeyRefill(node);
  if (Status io = ApplyIoLimitsIfSet(node, ve); !io.ok()) {
    (void)ploop::Umount(node.root(), dd);
    return io;
  }
  return out;
}

Status UmountContainer(const NodeConfig& node, const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(std::string dd, DiskDescriptorOf(node, ve));
  VZ_ASSIGN_OR_RETURN(auto existing, ploop::FindMount(node.root(), dd));
  if (!existing) {
    return FailedPreconditionError("container '" + ve.ctid() +
                                   "' is not mounted")
        .WithExitCode(kVzFsNotMounted);
  }
  Status s = ploop::Umount(node.root(), dd);
  if (!s.ok()) {
    return std::move(s)
        .WithContext("unmount container '" + ve.ctid() + "'")
        .WithExitCode(kVzFsCantUmount);
  }
  return OkStatus();
}

Result<StorageState> GetStorageState(const NodeConfig& node,
                                     std::string_view ctid) {
  StorageState st;
  auto ve = VeConfig::Load(node, ctid);
  if (!ve.has_value()) {
    if (ve.error().code() == Code::kNotFound) return st;
    return std::move(ve).error();
  }
  VZ_ASSIGN_OR_RETURN(st.ve_root, ve->VeRoot(node));
  VZ_ASSIGN_OR_RETURN(st.ve_private, ve->VePrivate(node));
  VZ_ASSIGN_OR_RETURN(std::string dd, DiskDescriptorOf(node, *ve));
  st.exists = PathExists(dd);
  VZ_ASSIGN_OR_RETURN(auto m, ploop::FindMount(node.root(), dd));
  if (m) {
    st.mounted = !m->mount_point.empty();
    st.mount_point = m->mount_point;
    st.server_alive = m->alive;
    st.device = m->device;
  }
  return st;
}

bool DiskStranded(const StorageState& st) {
  return st.mounted && !ploop::FilesystemMounted(st.device, st.mount_point);
}

}  // namespace vz
