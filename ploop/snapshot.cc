// Snapshot create, list and switch. Merge and delete: snapshot_merge.cc.
#include "ploop/snapshot.h"

#include "base/file_util.h"
#include "base/reverter.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/gpt.h"
#include "ploop/lib/ops_util.h"
#include "ploop/lib/stack.h"

namespace ploop {
namespace {

// ploop allows 128 images per device: the base, 126 snapshots, one spare.
constexpr size_t kMaxChain = 127;

vz::Status CheckNewGuid(const DiskDescriptor& dd, const vz::Uuid& guid) {
  if (guid.is_nil() || guid == TopDeltaGuid()) {
    return vz::InvalidArgumentError("invalid snapshot GUID '" +
                                    guid.ToBraced() + "'")
        .WithExitCode(kSysExitParam);
  }
  if (dd.FindShot(guid) || dd.FindImage(guid)) {
    return vz::AlreadyExistsError("snapshot '" + guid.ToBraced() +
                                  "' already exists")
        .WithExitCode(kSysExitParam);
  }
  return vz::OkStatus();
}

// Puts `top` on the image's stack and copies the cluster holding the
// filesystem's first 4 KiB up into it (rewriting those bytes as they are),
// then syncs it: data, BAT. A disk that reads as zeros there copies
// nothing.
vz::Status CopyUpFsStart(Image& image, std::unique_ptr<Delta> top) {
  DeltaStack& stack = image.stack();
  stack.Push(std::move(top));
  auto read = [&stack](uint64_t offset, void* buf, size_t len) {
    return stack.Read(offset, buf, len);
  };
  VZ_ASSIGN_OR_RETURN(Partition part,
                      FindFilesystemPartition(read, stack.virtual_bytes()));
  constexpr size_t kBlock = 4096;
  if (part.offset + kBlock > stack.virtual_bytes()) return vz::OkStatus();
  alignas(kBlock) uint8_t block[kBlock];
  VZ_RETURN_IF_ERROR(stack.Read(part.offset, block, kBlock));
  VZ_RETURN_IF_ERROR(stack.Write(part.offset, block, kBlock));
  return stack.Flush();
}

// The descriptor after a snapshot: the old top becomes `snap`, a new top
// delta `file` goes on it.
DiskDescriptor WithSnapshot(DiskDescriptor dd, const vz::Uuid& snap,
                            const std::string& file,
                            const SnapshotParams& params) {
  for (auto& i : dd.images) {
    if (i.guid == TopDeltaGuid()) i.guid = snap;
  }
  for (auto& s : dd.shots) {
    if (s.guid == TopDeltaGuid()) {
      s.guid = snap;
      s.name = params.name;
      s.description = params.description;
    }
    if (s.parent == TopDeltaGuid()) s.parent = snap;
  }
  dd.images.push_back({TopDeltaGuid(), DeltaType::kCompressed, file});
  dd.shots.push_back({TopDeltaGuid(), snap, false, "", ""});
  dd.top_guid = TopDeltaGuid();
  return dd;
}

Version VersionOf(const Delta& d) {
  return d.kind() == DeltaKind::kExpanded ? d.header().version : Version::kV2;
}

}  // namespace

vz::Result<vz::Uuid> CreateSnapshot(Image& image,
                                    const SnapshotParams& params) {
  VZ_RETURN_IF_ERROR(NeedWritable(image, "snapshot"));
  const DiskDescriptor& dd = image.descriptor();
  vz::Uuid snap;
  if (params.guid) {
    snap = *params.guid;
  } else {
    VZ_ASSIGN_OR_RETURN(snap, vz::Uuid::Generate());
  }
  VZ_RETURN_IF_ERROR(CheckNewGuid(dd, snap));
  if (image.stack().depth() >= kMaxChain) {
    return Refused("snapshot '" + image.descriptor_path() +
                   "': the maximum of " + std::to_string(kMaxChain - 1) +
                   " snapshots is reached");
  }
  VZ_ASSIGN_OR_RETURN(vz::Uuid file_guid, vz::Uuid::Generate());
  std::string file = NewDeltaFileName(dd, file_guid);
  std::string path = image.DeltaPath(file);
  DiskDescriptor next = WithSnapshot(dd, snap, file, params);
  if (vz::Status s = next.Validate(); !s.ok()) {  // a label XML cannot hold
    return vz::InvalidArgumentError("snapshot: " + s.message())
        .WithExitCode(kSysExitParam);
  }

  // The old top becomes a read-only snapshot: everything written so far
  // durable, the in-use flag cleared.
  Delta& old_top = image.stack().top();
  VZ_RETURN_IF_ERROR(old_top.MarkClean());
  vz::Reverter undo;
  undo.Add([&old_top] { (void)old_top.MarkInUse(); });
  VZ_ASSIGN_OR_RETURN(auto top, CreateTopDelta(path, image.size(), dd.blocksize,
                                               VersionOf(old_top), old_top.id(),
                                               image.open_params()));
  undo.Add([path] { (void)RemoveDeltaFile(path); });

  DiskDescriptor before = dd;
  image.mutable_descriptor() = std::move(next);
  if (vz::Status s = image.SaveDescriptor(); !s.ok()) {
    image.mutable_descriptor() = before;
    return s.WithContext("snapshot '" + image.descriptor_path() + "'");
  }
  undo.Commit();
  // Marked after the descriptor names it: a crash before leaves a new top
  // that opens without a check.
  VZ_RETURN_IF_ERROR(top->MarkInUse());
  image.stack().Push(std::move(top));
  return snap;
}

vz::Result<vz::Uuid> CreateSnapshot(const std::string& descriptor_path,
                                    const SnapshotParams& params) {
  return WithOpenImage(DescriptorPathFor(descriptor_path), [&](Image& image) {
    return CreateSnapshot(image, params);
  });
}

vz::Result<vz::Uuid> PushTopDelta(const std::string& descriptor_path,
                                  const SnapshotParams& params) {
  OpenParams ro;
  ro.read_only = true;
  VZ_ASSIGN_OR_RETURN(auto image,
                      Image::Open(DescriptorPathFor(descriptor_path), ro));
  const DiskDescriptor& dd = image->descriptor();
  vz::Uuid snap;
  if (params.guid) {
    snap = *params.guid;
  } else {
    VZ_ASSIGN_OR_RETURN(snap, vz::Uuid::Generate());
  }
  VZ_RETURN_IF_ERROR(CheckNewGuid(dd, snap));
  VZ_ASSIGN_OR_RETURN(vz::Uuid file_guid, vz::Uuid::Generate());
  std::string file = NewDeltaFileName(dd, file_guid);
  std::string path = image->DeltaPath(file);
  DiskDescriptor next = WithSnapshot(dd, snap, file, params);
  if (vz::Status s = next.Validate(); !s.ok()) {
    return vz::InvalidArgumentError("snapshot: " + s.message())
        .WithExitCode(kSysExitParam);
  }
  Delta& old_top = image->stack().top();
  {
    VZ_ASSIGN_OR_RETURN(auto top,
                        CreateTopDelta(path, image->size(), dd.blocksize,
                                       VersionOf(old_top), old_top.id(), {}));
    if (params.copy_up_fs_start) {
      if (vz::Status s = CopyUpFsStart(*image, std::move(top)); !s.ok()) {
        (void)RemoveDeltaFile(path);
        return s.WithContext("copy up the filesystem's first cluster");
      }
    }
  }
  if (vz::Status s = WriteDiskDescriptor(image->descriptor_path(), next);
      !s.ok()) {
    (void)RemoveDeltaFile(path);
    return s.WithContext("snapshot '" + image->descriptor_path() + "'");
  }
  return snap;
}

vz::Result<std::vector<SnapshotEntry>> ListSnapshots(
    const DiskDescriptor& dd, const std::string& dir,
    const std::optional<vz::Uuid>& from) {
  auto entry = [&](const DiskDescriptor::Shot& s) {
    SnapshotEntry e;
    e.guid = s.guid;
    e.parent = s.parent;
    const auto* image = dd.FindImage(s.guid);
    e.file = image ? vz::JoinPath(dir, image->file) : "";
    e.current = s.guid == dd.top_guid;
    e.temporary = s.temporary;
    e.name = s.name;
    e.description = s.description;
    return e;
  };
  std::vector<SnapshotEntry> out;
  if (!from) {
    for (const auto& s : dd.shots) out.push_back(entry(s));
    return out;
  }
  if (!dd.FindShot(*from)) return NoSnapshot(*from);
  for (vz::Uuid cur = *from; !cur.is_nil();) {
    const auto* s = dd.FindShot(cur);
    if (!s || out.size() > dd.shots.size()) {
      return vz::InvalidArgumentError(
                 "invalid DiskDescriptor.xml: broken snapshot chain")
          .WithExitCode(kSysExitDiskDescr);
    }
    out.push_back(entry(*s));
    cur = s->parent;
  }
  return out;
}

vz::Result<std::vector<SnapshotEntry>> ListSnapshots(
    const std::string& descriptor_path, const std::optional<vz::Uuid>& from) {
  std::string path = DescriptorPathFor(descriptor_path);
  VZ_ASSIGN_OR_RETURN(DiskDescriptor dd, ReadDiskDescriptor(path));
  return ListSnapshots(dd, vz::DirName(path), from);
}

vz::Status SwitchSnapshot(Image& image, const vz::Uuid& guid) {
  VZ_RETURN_IF_ERROR(NeedWritable(image, "switch snapshot of"));
  const DiskDescriptor& dd = image.descriptor();
  if (guid == dd.top_guid) {
    return Refused("switch to snapshot '" + guid.ToBraced() +
                   "': it is the current top delta");
  }
  const auto* shot = dd.FindShot(guid);
  const auto* target = dd.FindImage(guid);
  if (!shot || !target) return NoSnapshot(guid);
  if (shot->temporary) {
    return Refused("switch to snapshot '" + guid.ToBraced() +
                   "': it is a temporary snapshot");
  }
  const auto* old_top = dd.FindImage(dd.top_guid);
  if (!old_top) return NoSnapshot(dd.top_guid);
  std::string old_path = image.DeltaPath(old_top->file);

  // The new top has the snapshot's size: the disk as it was then.
  VZ_ASSIGN_OR_RETURN(auto below, OpenImageDelta(image.dir(), dd, *target, {}));
  uint64_t size = below->virtual_bytes();
  VZ_ASSIGN_OR_RETURN(vz::Uuid file_guid, vz::Uuid::Generate());
  std::string file = NewDeltaFileName(dd, file_guid);
  std::string path = image.DeltaPath(file);
  VZ_ASSIGN_OR_RETURN(
      auto top, CreateTopDelta(path, size, dd.blocksize, VersionOf(*below),
                               below->id(), {}));
  top.reset();
  vz::Reverter undo;
  undo.Add([path] { (void)RemoveDeltaFile(path); });

  DiskDescriptor next = dd;
  std::erase_if(next.images,
                [&](const auto& i) { return i.guid == dd.top_guid; });
  std::erase_if(next.shots,
                [&](const auto& s) { return s.guid == dd.top_guid; });
  next.images.push_back({TopDeltaGuid(), DeltaType::kCompressed, file});
  next.shots.push_back({TopDeltaGuid(), guid, false, "", ""});
  next.top_guid = TopDeltaGuid();
  SetDiskSize(next, size);
  DiskDescriptor before = dd;
  image.mutable_descriptor() = std::move(next);
  if (vz::Status s = image.SaveDescriptor(); !s.ok()) {
    image.mutable_descriptor() = before;
    return s.WithContext("switch snapshot of '" + image.descriptor_path() +
                         "'");
  }
  undo.Commit();
  VZ_RETURN_IF_ERROR(image.ReloadStack());
  return RemoveDeltaFile(old_path);
}

vz::Status SwitchSnapshot(const std::string& descriptor_path,
                          const vz::Uuid& guid) {
  return WithOpenImage(DescriptorPathFor(descriptor_path), [&](Image& image) {
    return SwitchSnapshot(image, guid);
  });
}

}  // namespace ploop
