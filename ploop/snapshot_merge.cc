// Snapshot merge and delete (snapshot.h). One routine does the work: merge
// the deltas from `descendant` down to (not including) `ancestor` into
// `ancestor`'s file, which then carries `descendant`'s GUID.
#include <algorithm>

#include "base/file_util.h"
#include "base/reverter.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/copy_up.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/merge.h"
#include "ploop/lib/ops_util.h"
#include "ploop/snapshot.h"

namespace ploop {
namespace {

// GUIDs from `descendant` down to `ancestor`, both included. Refuses when a
// delta that disappears (all but `descendant`) has other children: its
// data is what they read.
vz::Result<std::vector<vz::Uuid>> MergePath(const DiskDescriptor& dd,
                                            const vz::Uuid& ancestor,
                                            const vz::Uuid& descendant) {
  std::vector<vz::Uuid> path;
  for (vz::Uuid cur = descendant;; cur = dd.FindShot(cur)->parent) {
    if (cur.is_nil() || !dd.FindShot(cur) || path.size() > dd.shots.size()) {
      return NoSnapshot(ancestor);
    }
    path.push_back(cur);
    if (cur == ancestor) break;
  }
  for (size_t i = 1; i < path.size(); ++i) {
    size_t n = dd.Children(path[i]).size();
    if (n > 1) {
      return Refused("merge into snapshot '" + path[i].ToBraced() +
                     "': it has " + std::to_string(n) +
                     " children (other branches read its data)");
    }
  }
  return path;
}

// The descriptor after the merge: `path[1..]`'s entries go, `ancestor`'s
// file stays under `descendant`'s GUID, with `descendant`'s labels.
DiskDescriptor Merged(DiskDescriptor dd, const std::vector<vz::Uuid>& path) {
  const vz::Uuid& descendant = path.front();
  const vz::Uuid& ancestor = path.back();
  DiskDescriptor::Shot top = *dd.FindShot(descendant);
  top.parent = dd.FindShot(ancestor)->parent;
  auto gone = [&](const vz::Uuid& g) {
    return g != ancestor &&
           std::find(path.begin(), path.end(), g) != path.end();
  };
  std::erase_if(dd.images, [&](const auto& i) { return gone(i.guid); });
  std::erase_if(dd.shots, [&](const auto& s) { return gone(s.guid); });
  dd.FindImage(ancestor)->guid = descendant;
  *dd.FindShot(ancestor) = top;
  return dd;
}

vz::Result<SnapshotReport> MergeRange(Image& image, const vz::Uuid& ancestor,
                                      const vz::Uuid& descendant) {
  VZ_RETURN_IF_ERROR(NeedWritable(image, "merge snapshots of"));
  const DiskDescriptor dd = image.descriptor();
  VZ_ASSIGN_OR_RETURN(auto path, MergePath(dd, ancestor, descendant));
  VZ_RETURN_IF_ERROR(image.Flush());  // the top's BAT, for our own reads
  SnapshotReport report;
  const auto& target_image = *dd.FindImage(ancestor);
  std::string target_path = image.DeltaPath(target_image.file);
  VZ_ASSIGN_OR_RETURN(bool copied, CopyUpIfShared(target_path));
  if (copied) {
    report.notes.push_back("copied shared delta '" + target_path +
                           "' up to a private file before merging into it");
  }
  DeltaOpenOptions rw;
  rw.writable = true;
  rw.allow_in_use = true;  // a lower delta flagged by an interrupted merge
  VZ_ASSIGN_OR_RETURN(auto target,
                      OpenImageDelta(image.dir(), dd, target_image, rw));
  std::vector<std::unique_ptr<Delta>> sources;
  std::vector<const Delta*> views;
  uint64_t size = target->virtual_bytes();
  for (size_t i = path.size() - 1; i-- > 0;) {
    VZ_ASSIGN_OR_RETURN(
        auto d, OpenImageDelta(image.dir(), dd, *dd.FindImage(path[i]), {}));
    size = std::max(size, d->virtual_bytes());
    views.push_back(d.get());
    sources.push_back(std::move(d));
  }
  // While merged data lands in the target, the delta above must not find a
  // stale identity below it (Image::Open's check): the target has none
  // until the descriptor no longer lists the sources, then takes the
  // identity of the delta whose GUID it takes.
  const std::string old_id = target->id(), parent_id = target->parent_id();
  const std::string new_id = sources.back()->id();
  vz::Reverter undo;
  VZ_RETURN_IF_ERROR(target->SetIds("", parent_id));
  undo.Add([&] { (void)target->SetIds(old_id, parent_id); });
  VZ_RETURN_IF_ERROR(target->MarkInUse());
  undo.Add([&] { (void)target->MarkClean(); });
  VZ_RETURN_IF_ERROR(MergeDeltas(*target, views, size).status());
  VZ_RETURN_IF_ERROR(target->MarkClean());

  image.mutable_descriptor() = Merged(dd, path);
  if (vz::Status s = image.SaveDescriptor(); !s.ok()) {
    image.mutable_descriptor() = dd;
    return s.WithContext("merge snapshots of '" + image.descriptor_path() +
                         "'");
  }
  undo.Commit();
  VZ_RETURN_IF_ERROR(target->SetIds(new_id, parent_id));
  target.reset();
  VZ_RETURN_IF_ERROR(image.ReloadStack());
  for (const auto& d : sources) VZ_RETURN_IF_ERROR(RemoveDeltaFile(d->path()));
  return report;
}

}  // namespace

vz::Result<SnapshotReport> DeleteSnapshot(Image& image, const vz::Uuid& guid) {
  VZ_RETURN_IF_ERROR(NeedWritable(image, "delete snapshot of"));
  const DiskDescriptor dd = image.descriptor();
  if (guid == dd.top_guid) {
    return Refused("delete snapshot '" + guid.ToBraced() +
                   "': it is the top delta (merge it instead)");
  }
  if (!dd.FindShot(guid) || !dd.FindImage(guid)) return NoSnapshot(guid);
  std::vector<vz::Uuid> children = dd.Children(guid);
  if (children.size() == 1) return MergeRange(image, guid, children[0]);
  if (children.size() > 1) {
    return Refused("delete snapshot '" + guid.ToBraced() + "': it has " +
                   std::to_string(children.size()) + " children");
  }
  // A leaf off the current chain (left by a switch): drop it.
  std::string path = image.DeltaPath(dd.FindImage(guid)->file);
  DiskDescriptor next = dd;
  std::erase_if(next.images, [&](const auto& i) { return i.guid == guid; });
  std::erase_if(next.shots, [&](const auto& s) { return s.guid == guid; });
  image.mutable_descriptor() = std::move(next);
  if (vz::Status s = image.SaveDescriptor(); !s.ok()) {
    image.mutable_descriptor() = dd;
    return s.WithContext("delete snapshot '" + guid.ToBraced() + "'");
  }
  VZ_RETURN_IF_ERROR(RemoveDeltaFile(path));
  return SnapshotReport{};
}

vz::Result<SnapshotReport> DeleteSnapshot(const std::string& descriptor_path,
                                          const vz::Uuid& guid) {
  return WithOpenImage(DescriptorPathFor(descriptor_path), [&](Image& image) {
    return DeleteSnapshot(image, guid);
  });
}

vz::Result<SnapshotReport> MergeSnapshot(Image& image,
                                         const std::optional<vz::Uuid>& child) {
  const DiskDescriptor& dd = image.descriptor();
  vz::Uuid guid = child.value_or(dd.top_guid);
  const auto* shot = dd.FindShot(guid);
  if (!shot || !dd.FindImage(guid)) return NoSnapshot(guid);
  if (shot->parent.is_nil()) {
    return Refused("merge snapshot '" + guid.ToBraced() +
                   "': it is the base delta, it has no parent");
  }
  return MergeRange(image, shot->parent, guid);
}

vz::Result<SnapshotReport> MergeSnapshot(const std::string& descriptor_path,
                                         const std::optional<vz::Uuid>& child) {
  return WithOpenImage(DescriptorPathFor(descriptor_path), [&](Image& image) {
    return MergeSnapshot(image, child);
  });
}

vz::Result<SnapshotReport> MergeAllSnapshots(Image& image) {
  const DiskDescriptor& dd = image.descriptor();
  VZ_ASSIGN_OR_RETURN(auto chain, dd.Chain());
  if (chain.size() < 2) {
    VZ_RETURN_IF_ERROR(NeedWritable(image, "merge snapshots of"));
    return SnapshotReport{{"nothing to merge: the image has one delta"}};
  }
  return MergeRange(image, chain.front()->guid, chain.back()->guid);
}

vz::Result<SnapshotReport> MergeAllSnapshots(
    const std::string& descriptor_path) {
  return WithOpenImage(DescriptorPathFor(descriptor_path),
                       [&](Image& image) { return MergeAllSnapshots(image); });
}

}  // namespace ploop
