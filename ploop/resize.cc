#include "ploop/resize.h"

#include "ploop/exit_codes.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/ops_util.h"
#include "ploop/lib/relocate.h"
#include "ploop/lib/stack.h"

namespace ploop {
namespace {

uint64_t RoundUp(uint64_t v, uint64_t unit) {
  return (v + unit - 1) / unit * unit;
}

vz::Status BadSize(const std::string& why) {
  return vz::InvalidArgumentError(why).WithExitCode(kSysExitParam);
}

// Clusters the top maps at or past `first` are garbage: an interrupted
// shrink cut the descriptor before the top. Unmapped, they read as zeros.
vz::Status DropClustersFrom(Delta& top, uint32_t first) {
  if (top.kind() != DeltaKind::kExpanded) return vz::OkStatus();
  bool any = false;
  for (uint32_t c = first; c < top.clusters(); ++c) {
    if (top.Lookup(c) == kUnmapped) continue;
    top.Map(c, kUnmapped);
    any = true;
  }
  return any ? top.Sync() : vz::OkStatus();
}

// Refuses a shrink to `size_bytes` over a raw lower delta that is larger:
// a later grow would have to hide all of its tail (HideLowerClusters), one
// cluster per cluster. Expanded lower deltas (a container over its
// template's base, snapshots) may hold data past the end.
vz::Status CheckLowerDeltas(DeltaStack& stack, uint64_t size_bytes) {
  for (size_t level = 0; level + 1 < stack.depth(); ++level) {
    const Delta& d = stack.delta(level);
    if (d.kind() == DeltaKind::kRaw && d.virtual_bytes() > size_bytes) {
      return Refused("shrink to " + std::to_string(size_bytes) +
                     " bytes: snapshot delta '" + d.path() +
                     "' is a raw image larger than that (merge first)");
    }
  }
  return vz::OkStatus();
}

// A shrink leaves lower deltas' clusters past the new end in place (a
// shared template base cannot change); the grow that brings the range
// back maps a fresh cluster (fallocated space, zeros) in the top over each
// of them in [first, end), so the disk shows zeros there, not the old data.
// Idempotent: after a crash before the size is saved, the next grow drops
// these clusters (DropClustersFrom) and maps them again.
vz::Status HideLowerClusters(DeltaStack& stack, uint32_t first, uint32_t end) {
  Delta& top = stack.top();
  if (stack.depth() < 2 || top.kind() == DeltaKind::kRaw) {
    return vz::OkStatus();
  }
  const int below = static_cast<int>(stack.depth()) - 2;
  bool any = false;
  for (uint32_t c = first; c < end; ++c) {
    if (stack.Locate(c, below).level < 0) continue;
    VZ_ASSIGN_OR_RETURN(uint64_t off, top.AllocateCluster());
    top.Map(c, off);
    any = true;
  }
  return any ? top.Sync() : vz::OkStatus();
}

vz::Status SaveSize(Image& image, uint64_t size_bytes) {
  DiskDescriptor before = image.descriptor();
  SetDiskSize(image.mutable_descriptor(), size_bytes);
  vz::Status s = image.SaveDescriptor();
  if (!s.ok()) image.mutable_descriptor() = before;
  return s;
}

}  // namespace

vz::Result<ResizeReport> GrowImage(Image& image, uint64_t size_bytes) {
  VZ_RETURN_IF_ERROR(NeedWritable(image, "grow"));
  ResizeReport r;
  r.old_bytes = image.size();
  r.new_bytes = RoundUp(size_bytes, image.cluster_bytes());
  if (r.new_bytes < r.old_bytes) {
    return BadSize("grow to " + std::to_string(size_bytes) +
                   " bytes: smaller than the disk (" +
                   std::to_string(r.old_bytes) + " bytes)");
  }
  if (r.new_bytes == r.old_bytes) return r;
  Delta& top = image.stack().top();
  const auto old_end =
      static_cast<uint32_t>(r.old_bytes / image.cluster_bytes());
  VZ_RETURN_IF_ERROR(DropClustersFrom(top, old_end));
  VZ_ASSIGN_OR_RETURN(r.relocated_clusters, GrowDelta(top, r.new_bytes));
  VZ_RETURN_IF_ERROR(HideLowerClusters(
      image.stack(), old_end,
      static_cast<uint32_t>(r.new_bytes / image.cluster_bytes())));
  VZ_RETURN_IF_ERROR(SaveSize(image, r.new_bytes));
  image.stack().set_virtual_bytes(r.new_bytes);
  return r;
}

vz::Result<ResizeReport> ShrinkImage(Image& image, uint64_t size_bytes) {
  VZ_RETURN_IF_ERROR(NeedWritable(image, "shrink"));
  ResizeReport r;
  r.old_bytes = image.size();
  r.new_bytes = RoundUp(size_bytes, image.cluster_bytes());
  if (size_bytes == 0) return BadSize("shrink to 0 bytes: invalid size");
  if (r.new_bytes > r.old_bytes) {
    return BadSize("shrink to " + std::to_string(size_bytes) +
                   " bytes: larger than the disk (" +
                   std::to_string(r.old_bytes) + " bytes)");
  }
  if (r.new_bytes == r.old_bytes) return r;
  DeltaStack& stack = image.stack();
  uint32_t clusters =
      static_cast<uint32_t>(r.new_bytes / stack.cluster_bytes());
  VZ_RETURN_IF_ERROR(CheckLowerDeltas(stack, r.new_bytes));
  VZ_RETURN_IF_ERROR(SaveSize(image, r.new_bytes));
  stack.set_virtual_bytes(r.new_bytes);
  Delta& top = stack.top();
  if (top.kind() == DeltaKind::kRaw) {
    VZ_ASSIGN_OR_RETURN(uint64_t before, top.FileSize());
    VZ_RETURN_IF_ERROR(top.Resize(r.new_bytes));
    r.reclaimed_bytes = before - r.new_bytes;
    return r;
  }
  VZ_RETURN_IF_ERROR(DropClustersFrom(top, clusters));
  VZ_RETURN_IF_ERROR(top.Resize(r.new_bytes));
  VZ_ASSIGN_OR_RETURN(CompactResult c, CompactDelta(top));
  r.reclaimed_bytes = c.reclaimed_bytes;
  return r;
}

vz::Result<ResizeReport> ResizeImage(Image& image, uint64_t size_bytes) {
  uint64_t cb = image.cluster_bytes();
  if (RoundUp(size_bytes, cb) < image.size())
    return ShrinkImage(image, size_bytes);
  return GrowImage(image, size_bytes);
}

vz::Result<ResizeReport> GrowImage(const std::string& descriptor_path,
                                   uint64_t size_bytes) {
  return WithOpenImage(DescriptorPathFor(descriptor_path), [&](Image& image) {
    return GrowImage(image, size_bytes);
  });
}

vz::Result<ResizeReport> ResizeImage(const std::string& descriptor_path,
                                     uint64_t size_bytes) {
  return WithOpenImage(DescriptorPathFor(descriptor_path), [&](Image& image) {
    return ResizeImage(image, size_bytes);
  });
}

}  // namespace ploop
