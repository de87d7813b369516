#include "ploop/info.h"

#include "base/file_util.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/ops_util.h"
#include "ploop/lib/relocate.h"
#include "ploop/lib/stack.h"

namespace ploop {
namespace {

vz::Result<ImageInfo> Describe(const DiskDescriptor& dd,
                               const std::vector<const Delta*>& chain,
                               const std::vector<vz::Uuid>& guids) {
  ImageInfo info;
  info.virtual_bytes = dd.disk_size_sectors * kSectorSize;
  info.cluster_bytes = uint64_t{dd.blocksize} * kSectorSize;
  info.snapshots = dd.shots.size() - 1;
  const Delta& top = *chain.back();
  if (top.kind() == DeltaKind::kExpanded)
    info.version = static_cast<int>(top.header().version);
  const uint32_t clusters =
      static_cast<uint32_t>(info.virtual_bytes / info.cluster_bytes);
  std::vector<bool> below(clusters, false);  // mapped by a lower delta
  for (size_t level = 0; level < chain.size(); ++level) {
    const Delta& d = *chain[level];
    DeltaInfo di;
    di.file = d.path();
    di.guid = guids[level];
    di.virtual_bytes = d.virtual_bytes();
    if (d.kind() == DeltaKind::kRaw) {
      di.type = DeltaType::kPlain;
    } else {
      di.version = static_cast<int>(d.header().version);
      di.in_use = d.header().in_use == kInUseMagic;
      di.free_clusters = CountFreeClusters(d);
    }
    for (uint32_t c = 0; c < clusters; ++c) {
      if (d.Lookup(c) == kUnmapped) continue;
      ++di.mapped_clusters;
      if (below[c]) ++di.shadowing_clusters;
      below[c] = true;
    }
    di.allocated_bytes = di.mapped_clusters * info.cluster_bytes;
    VZ_ASSIGN_OR_RETURN(di.file_bytes, d.FileSize());
    VZ_ASSIGN_OR_RETURN(di.shared, Delta::IsShared(d.path()));
    info.deltas.push_back(std::move(di));
  }
  return info;
}

}  // namespace

vz::Result<ImageInfo> GetImageInfo(Image& image) {
  const DiskDescriptor& dd = image.descriptor();
  VZ_ASSIGN_OR_RETURN(auto chain, dd.Chain());
  std::vector<const Delta*> deltas;
  std::vector<vz::Uuid> guids;
  for (size_t i = 0; i < chain.size(); ++i) {
    deltas.push_back(&image.stack().delta(i));
    guids.push_back(chain[i]->guid);
  }
  return Describe(dd, deltas, guids);
}

vz::Result<ImageInfo> GetImageInfo(const std::string& descriptor_path) {
  std::string path = DescriptorPathFor(descriptor_path);
  VZ_ASSIGN_OR_RETURN(DiskDescriptor dd, ReadDiskDescriptor(path));
  VZ_ASSIGN_OR_RETURN(auto chain, dd.Chain());
  std::vector<std::unique_ptr<Delta>> open;
  std::vector<const Delta*> deltas;
  std::vector<vz::Uuid> guids;
  for (const auto* i : chain) {
    VZ_ASSIGN_OR_RETURN(auto d, OpenImageDelta(vz::DirName(path), dd, *i, {}));
    deltas.push_back(d.get());
    guids.push_back(i->guid);
    open.push_back(std::move(d));
  }
  return Describe(dd, deltas, guids);
}

}  // namespace ploop
