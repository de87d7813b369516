#include "ploop/lib/ops_util.h"

#include <unistd.h>

#include <cerrno>

#include "base/file_util.h"
#include "ploop/exit_codes.h"

namespace ploop {

vz::Status NoSnapshot(const vz::Uuid& guid) {
  return vz::NotFoundError("snapshot '" + guid.ToBraced() + "' not found")
      .WithExitCode(kSysExitNoSnap);
}

vz::Status Refused(const std::string& message) {
  return vz::FailedPreconditionError(message).WithExitCode(kSysExitParam);
}

vz::Status NeedWritable(const Image& image, const std::string& operation) {
  if (!image.read_only()) return vz::OkStatus();
  return Refused(operation + " '" + image.descriptor_path() +
                 "': the image is open read-only");
}

vz::Result<const DiskDescriptor::Image*> BaseImage(const DiskDescriptor& dd) {
  for (const auto& s : dd.shots) {
    if (s.parent.is_nil()) {
      if (const auto* i = dd.FindImage(s.guid)) return i;
    }
  }
  return vz::InvalidArgumentError("invalid DiskDescriptor.xml: no base image")
      .WithExitCode(kSysExitDiskDescr);
}

std::string NewDeltaFileName(const DiskDescriptor& dd,
                             const vz::Uuid& file_guid) {
  auto base = BaseImage(dd);
  std::string stem = base.has_value() ? (*base)->file : "root.hds";
  size_t dot = stem.rfind(".{");
  if (dot != std::string::npos && dot > 0 && stem.back() == '}') {
    stem.resize(dot);
  }
  return stem + "." + file_guid.ToBraced();
}

void SetDiskSize(DiskDescriptor& dd, uint64_t size_bytes) {
  uint64_t cb = uint64_t{dd.blocksize} * kSectorSize;
  dd.disk_size_sectors = (size_bytes + cb - 1) / cb * cb / kSectorSize;
  Chs chs = ComputeChs(dd.disk_size_sectors);
  dd.cylinders = chs.cylinders;
  dd.heads = chs.heads;
  dd.sectors = chs.sectors;
}

vz::Result<std::unique_ptr<Delta>> OpenImageDelta(
    const std::string& dir, const DiskDescriptor& dd,
    const DiskDescriptor::Image& image, DeltaOpenOptions options) {
  options.raw_cluster_sectors = dd.blocksize;
  auto kind =
      image.type == DeltaType::kPlain ? DeltaKind::kRaw : DeltaKind::kExpanded;
  return Delta::Open(vz::JoinPath(dir, image.file), kind, options);
}

vz::Result<std::unique_ptr<Delta>> CreateTopDelta(
    const std::string& path, uint64_t size_bytes, uint32_t cluster_sectors,
    Version version, const std::string& parent_id, const OpenParams& how) {
  VZ_ASSIGN_OR_RETURN(vz::Uuid id, vz::Uuid::Generate());
  {
    VZ_ASSIGN_OR_RETURN(
        auto d,
        Delta::CreateExpanded(path, size_bytes, cluster_sectors, version));
    if (auto s = d->SetIds(id.ToString(), parent_id); !s.ok()) {
      ::unlink(path.c_str());
      return s;
    }
  }
  DeltaOpenOptions o;
  o.writable = true;
  o.direct_io = how.direct_io;
  auto d = Delta::Open(path, DeltaKind::kExpanded, o);
  if (!d.has_value()) ::unlink(path.c_str());
  return d;
}

vz::Status RemoveDeltaFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return vz::ErrnoError(errno, "remove '" + path + "'")
        .WithExitCode(kSysExitUnlink);
  }
  return vz::FsyncDir(vz::DirName(path));
}

}  // namespace ploop
