#include "ploop/convert.h"

#include "base/file_util.h"
#include "base/reverter.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/bat_backup.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/ops_util.h"
#include "ploop/lib/stack.h"

namespace ploop {
namespace {

constexpr uint64_t kSyncEveryBytes = 256 << 20;

// Copies the disk of `from` (one delta) into the empty `to`, leaving out
// clusters that read as zeros when `to` is expanded.
vz::Status CopyDisk(const Delta& from, Delta& to, uint64_t size,
                    ConvertReport& report) {
  const uint64_t cb = from.cluster_bytes();
  std::string buf(cb, '\0');
  uint64_t pending = 0;
  for (uint32_t c = 0; uint64_t{c} * cb < size; ++c) {
    uint64_t at = from.Lookup(c);
    if (at == kUnmapped) continue;
    uint64_t len = std::min(cb, from.virtual_bytes() - uint64_t{c} * cb);
    std::fill(buf.begin(), buf.end(), '\0');
    VZ_RETURN_IF_ERROR(from.ReadAt(at, buf.data(), len));
    if (to.kind() == DeltaKind::kRaw) {
      VZ_RETURN_IF_ERROR(to.WriteAt(uint64_t{c} * cb, buf.data(),
                                    std::min(cb, size - uint64_t{c} * cb)));
    } else if (IsZero(buf.data(), cb)) {
      ++report.skipped_zero_clusters;
      continue;
    } else {
      VZ_ASSIGN_OR_RETURN(uint64_t off, to.AllocateCluster());
      VZ_RETURN_IF_ERROR(to.WriteAt(off, buf.data(), cb));
      to.Map(c, off);
    }
    ++report.copied_clusters;
    if ((pending += cb) >= kSyncEveryBytes) {
      VZ_RETURN_IF_ERROR(to.Sync());
      pending = 0;
    }
  }
  return to.MarkClean();
}

// The one delta of a single-delta image, or why there is not one.
vz::Result<const DiskDescriptor::Image*> SingleDelta(const Image& image) {
  const DiskDescriptor& dd = image.descriptor();
  if (dd.images.size() != 1) {
    return Refused("convert '" + image.descriptor_path() + "': the image has " +
                   std::to_string(dd.images.size() - 1) +
                   " snapshots (merge them first: ploop snapshot-merge -A)");
  }
  return &dd.images[0];
}

}  // namespace

vz::Result<ConvertReport> ConvertFormat(Image& image, DeltaType type) {
  VZ_RETURN_IF_ERROR(NeedWritable(image, "convert"));
  VZ_ASSIGN_OR_RETURN(const DiskDescriptor::Image* old, SingleDelta(image));
  ConvertReport report;
  if (old->type == type) {
    report.notes.push_back(type == DeltaType::kPlain
                               ? "the image is already raw"
                               : "the image is already ploop1");
    return report;
  }
  const DiskDescriptor dd = image.descriptor();
  const uint64_t size = image.size();
  std::string old_path = image.DeltaPath(old->file);
  VZ_RETURN_IF_ERROR(image.Close());  // durable and clean before we read it
  vz::Reverter undo;
  undo.Add([&image] { (void)image.ReloadStack(); });
  VZ_ASSIGN_OR_RETURN(auto from, OpenImageDelta(image.dir(), dd, *old, {}));
  VZ_ASSIGN_OR_RETURN(vz::Uuid file_guid, vz::Uuid::Generate());
  std::string file = NewDeltaFileName(dd, file_guid);
  std::string path = image.DeltaPath(file);
  std::unique_ptr<Delta> to;
  if (type == DeltaType::kPlain) {
    VZ_ASSIGN_OR_RETURN(to, Delta::CreateRaw(path, size, dd.blocksize));
  } else {
    VZ_ASSIGN_OR_RETURN(
        to, Delta::CreateExpanded(path, size, dd.blocksize, Version::kV2));
  }
  undo.Add([path] { (void)RemoveDeltaFile(path); });
  VZ_RETURN_IF_ERROR(to->SetIds(from->id(), from->parent_id()));
  VZ_RETURN_IF_ERROR(CopyDisk(*from, *to, size, report));
  to.reset();

  image.mutable_descriptor().images[0].type = type;
  image.mutable_descriptor().images[0].file = file;
  if (vz::Status s = image.SaveDescriptor(); !s.ok()) {
    image.mutable_descriptor() = dd;
    return s.WithContext("convert '" + image.descriptor_path() + "'");
  }
  undo.Commit();
  VZ_RETURN_IF_ERROR(image.ReloadStack());
  VZ_RETURN_IF_ERROR(RemoveDeltaFile(old_path));
  return report;
}

vz::Result<ConvertReport> ConvertFormat(const std::string& descriptor_path,
                                        DeltaType type) {
  return WithOpenImage(DescriptorPathFor(descriptor_path), [&](Image& image) {
    return ConvertFormat(image, type);
  });
}

namespace {

// Refuses deltas this conversion cannot write or express.
vz::Status CheckConvertible(const Delta& d, Version v) {
  VZ_ASSIGN_OR_RETURN(bool shared, Delta::IsShared(d.path()));
  if (shared) {
    return Refused("convert delta '" + d.path() +
                   "': it is shared (a template or hard-linked) and is never "
                   "written");
  }
  if (v != Version::kV1) return vz::OkStatus();
  VZ_ASSIGN_OR_RETURN(uint64_t size, d.FileSize());
  if (d.header().size_sectors > UINT32_MAX || size / kSectorSize > UINT32_MAX) {
    return Refused("convert delta '" + d.path() +
                   "' to version 1: it is larger than version 1 can address "
                   "(2 TiB)");
  }
  return vz::OkStatus();
}

// Rewrites the BAT entries and then the header of one flagged delta.
vz::Status Rewrite(Delta& d, Version v) {
  const uint64_t cb = d.cluster_bytes();
  for (uint32_t c = 0; c < d.clusters(); ++c) {
    uint64_t off = d.Lookup(c);
    if (off == kUnmapped) continue;
    d.SetEntry(c, static_cast<uint32_t>(v == Version::kV2 ? off / cb
                                                          : off / kSectorSize));
  }
  VZ_RETURN_IF_ERROR(d.Sync());
  Header h = d.header();
  h.version = v;
  h.extension_sectors = 0;  // v1 has none; a v2 one is stale after a rewrite
  return d.WriteHeader(h);
}

vz::Status SetConvertFlag(Delta& d, bool on) {
  Header h = d.header();
  h.flags = on ? (h.flags | kFlagFmtVersionConvert)
               : (h.flags & ~kFlagFmtVersionConvert);
  return d.WriteHeader(h);
}

}  // namespace

vz::Result<ConvertReport> ConvertVersion(Image& image, int version) {
  VZ_RETURN_IF_ERROR(NeedWritable(image, "convert"));
  if (version != 1 && version != 2) {
    return vz::InvalidArgumentError("invalid format version " +
                                    std::to_string(version) + ": 1 or 2")
        .WithExitCode(kSysExitParam);
  }
  const Version v = version == 1 ? Version::kV1 : Version::kV2;
  const DiskDescriptor dd = image.descriptor();
  VZ_RETURN_IF_ERROR(image.Close());
  // On failure the image is reopened; after an interrupted rewrite that
  // fails too, and 'ploop check -r' undoes the conversion.
  vz::Reverter reopen;
  reopen.Add([&image] { (void)image.ReloadStack(); });
  std::vector<std::unique_ptr<Delta>> deltas;
  for (const auto& i : dd.images) {
    if (i.type != DeltaType::kCompressed) continue;
    DeltaOpenOptions rw;
    rw.writable = true;
    rw.allow_in_use = true;
    VZ_ASSIGN_OR_RETURN(auto d, OpenImageDelta(image.dir(), dd, i, rw));
    if (d->header().version == v) continue;
    VZ_RETURN_IF_ERROR(CheckConvertible(*d, v));
    deltas.push_back(std::move(d));
  }
  ConvertReport report;
  if (deltas.empty()) {
    report.notes.push_back("the image is already version " +
                           std::to_string(version));
    reopen.Commit();
    VZ_RETURN_IF_ERROR(image.ReloadStack());
    return report;
  }
  // Backups before any flag: a flag always finds every backup in place.
  for (const auto& d : deltas) VZ_RETURN_IF_ERROR(WriteBatBackup(*d));
  VZ_RETURN_IF_ERROR(vz::FsyncDir(image.dir()));
  for (const auto& d : deltas) VZ_RETURN_IF_ERROR(SetConvertFlag(*d, true));
  for (const auto& d : deltas) VZ_RETURN_IF_ERROR(Rewrite(*d, v));
  for (const auto& d : deltas) VZ_RETURN_IF_ERROR(SetConvertFlag(*d, false));
  for (const auto& d : deltas) {
    VZ_RETURN_IF_ERROR(RemoveDeltaFile(BatBackupPath(d->path())));
  }
  report.converted_deltas = deltas.size();
  deltas.clear();
  reopen.Commit();
  VZ_RETURN_IF_ERROR(image.ReloadStack());
  return report;
}

vz::Result<ConvertReport> ConvertVersion(const std::string& descriptor_path,
                                         int version) {
  return WithOpenImage(DescriptorPathFor(descriptor_path), [&](Image& image) {
    return ConvertVersion(image, version);
  });
}

}  // namespace ploop
