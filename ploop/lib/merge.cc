#include "ploop/lib/merge.h"

#include <cstdlib>
#include <memory>

#include "ploop/exit_codes.h"
#include "ploop/lib/relocate.h"

namespace ploop {
namespace {

constexpr uint64_t kSyncEveryBytes = 256 << 20;

struct Free {
  void operator()(void* p) const { std::free(p); }
};

// The topmost source mapping `c`, or null.
const Delta* Owner(const std::vector<const Delta*>& sources, uint32_t c,
                   uint64_t* offset) {
  for (auto it = sources.rbegin(); it != sources.rend(); ++it) {
    uint64_t off = (*it)->Lookup(c);
    if (off != kUnmapped) {
      *offset = off;
      return *it;
    }
  }
  return nullptr;
}

vz::Status WriteCluster(Delta& t, uint32_t c, const uint8_t* data,
                        MergeStats& stats) {
  const uint64_t cb = t.cluster_bytes();
  if (t.kind() == DeltaKind::kRaw) {
    uint64_t at = uint64_t{c} * cb;
    uint64_t len = std::min(cb, t.virtual_bytes() - at);
    return t.WriteAt(at, data, len);
  }
  uint64_t at = t.Lookup(c);
  if (at == kUnmapped) {
    VZ_ASSIGN_OR_RETURN(at, t.AllocateCluster());
    VZ_RETURN_IF_ERROR(t.WriteAt(at, data, cb));
    t.Map(c, at);  // durable with the next Sync, after the data
    ++stats.allocated_clusters;
    return vz::OkStatus();
  }
  return t.WriteAt(at, data, cb);
}

}  // namespace

vz::Result<MergeStats> MergeDeltas(Delta& target,
                                   const std::vector<const Delta*>& sources,
                                   uint64_t virtual_bytes) {
  if (!target.writable()) {
    return vz::InternalError("merge into read-only delta '" + target.path() +
                             "'");
  }
  for (const Delta* s : sources) {
    if (s->kind() != DeltaKind::kExpanded) {
      return vz::InternalError("merge of raw delta '" + s->path() +
                               "': a raw delta can only be the base");
    }
  }
  if (target.virtual_bytes() < virtual_bytes) {
    VZ_RETURN_IF_ERROR(GrowDelta(target, virtual_bytes).status());
  }
  const uint64_t cb = target.cluster_bytes();
  void* p = nullptr;
  if (posix_memalign(&p, 4096, cb) != 0)
    return vz::ResourceExhaustedError("out of memory")
        .WithExitCode(kSysExitMalloc);
  std::unique_ptr<uint8_t, Free> buf(static_cast<uint8_t*>(p));
  MergeStats stats;
  uint64_t pending = 0;
  const uint32_t clusters = static_cast<uint32_t>(virtual_bytes / cb);
  for (uint32_t c = 0; c < clusters; ++c) {
    uint64_t off = 0;
    const Delta* owner = Owner(sources, c, &off);
    if (!owner) continue;
    VZ_RETURN_IF_ERROR(owner->ReadAt(off, buf.get(), cb));
    VZ_RETURN_IF_ERROR(WriteCluster(target, c, buf.get(), stats));
    ++stats.copied_clusters;
    pending += cb;
    if (pending >= kSyncEveryBytes) {
      VZ_RETURN_IF_ERROR(target.Sync());
      pending = 0;
    }
  }
  VZ_RETURN_IF_ERROR(target.Sync());
  return stats;
}

}  // namespace ploop
