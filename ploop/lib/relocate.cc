#include "ploop/lib/relocate.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "ploop/exit_codes.h"

namespace ploop {
namespace {

struct Free {
  void operator()(void* p) const { std::free(p); }
};

vz::Status NeedWritableExpanded(const Delta& d, const char* op) {
  if (d.kind() != DeltaKind::kExpanded || !d.writable()) {
    return vz::InternalError(std::string(op) + " '" + d.path() +
                             "': needs a writable expanded delta");
  }
  return vz::OkStatus();
}

// Copies clusters and remaps them, syncing every kBatchBytes.
class Mover {
 public:
  Mover(Delta& d, const RelocateOptions& options) : d_(d), options_(options) {}

  vz::Status Init() {
    void* p = nullptr;
    // Aligned for deltas opened with O_DIRECT (the device server).
    if (posix_memalign(&p, 4096, d_.cluster_bytes()) != 0) {
      return vz::ResourceExhaustedError("out of memory")
          .WithExitCode(kSysExitMalloc);
    }
    buf_.reset(static_cast<uint8_t*>(p));
    return vz::OkStatus();
  }

  // Copies image cluster `from` to `to` and points virtual cluster `c` at it.
  vz::Status Move(uint32_t c, uint64_t from, uint64_t to) {
    const uint64_t cb = d_.cluster_bytes();
    if (options_.lock_cluster) options_.lock_cluster(c);
    vz::Status s = d_.ReadAt(from * cb, buf_.get(), cb);
    if (s.ok()) s = d_.WriteAt(to * cb, buf_.get(), cb);
    if (s.ok()) d_.Map(c, to * cb);
    if (options_.unlock_cluster) options_.unlock_cluster(c);
    VZ_RETURN_IF_ERROR(s);
    ++moved_;
    pending_ += cb;
    if (pending_ >= options_.sync_every_bytes) return Flush();
    return vz::OkStatus();
  }

  vz::Status Flush() {
    pending_ = 0;
    return d_.Sync();
  }

  uint64_t moved() const { return moved_; }

 private:
  Delta& d_;
  const RelocateOptions& options_;
  std::unique_ptr<uint8_t, Free> buf_;
  uint64_t moved_ = 0;
  uint64_t pending_ = 0;
};

// Drops the reference to a format extension: its bitmap is stale after
// any write, and its cluster becomes free.
vz::Status DropExtension(Delta& d) {
  if (d.header().extension_sectors == 0) return vz::OkStatus();
  Header h = d.header();
  h.extension_sectors = 0;
  return d.WriteHeader(h);
}

}  // namespace

std::vector<uint32_t> ReverseMap(const Delta& d) {
  std::vector<uint32_t> rev(d.alloc_head(), 0);
  for (uint32_t c = 0; c < d.clusters(); ++c) {
    uint64_t off = d.Lookup(c);
    if (off == kUnmapped) continue;
    uint64_t idx = off / d.cluster_bytes();
    if (idx < rev.size()) rev[idx] = c + 1;
  }
  return rev;
}

uint64_t CountFreeClusters(const Delta& d) {
  if (d.kind() != DeltaKind::kExpanded) return 0;
  std::vector<uint32_t> rev = ReverseMap(d);
  const uint64_t first = d.header().first_data_cluster();
  const uint64_t ext = d.header().extension_sectors / d.cluster_sectors();
  uint64_t free = 0;
  for (uint64_t i = first; i < rev.size(); ++i) {
    if (rev[i] == 0 && !(d.header().extension_sectors && i == ext)) ++free;
  }
  return free;
}

vz::Result<CompactResult> CompactDelta(Delta& d,
                                       const RelocateOptions& options) {
  VZ_RETURN_IF_ERROR(NeedWritableExpanded(d, "compact"));
  VZ_RETURN_IF_ERROR(DropExtension(d));
  VZ_ASSIGN_OR_RETURN(uint64_t before, d.FileSize());
  Mover mover(d, options);
  VZ_RETURN_IF_ERROR(mover.Init());
  std::vector<uint32_t> rev = ReverseMap(d);
  const uint64_t first = d.header().first_data_cluster();
  uint64_t lo = first, hi = rev.size();  // hi: one past the last used
  for (;;) {
    while (hi > first && rev[hi - 1] == 0) --hi;
    while (lo < hi && rev[lo] != 0) ++lo;
    if (lo >= hi) break;
    uint64_t src = hi - 1;
    VZ_RETURN_IF_ERROR(mover.Move(rev[src] - 1, src, lo));
    rev[lo] = rev[src];
    rev[src] = 0;
  }
  VZ_RETURN_IF_ERROR(mover.Flush());
  uint64_t end = std::max(hi, first);
  if (before != end * d.cluster_bytes()) {
    VZ_RETURN_IF_ERROR(d.TruncateClusters(end));
  }
  VZ_ASSIGN_OR_RETURN(uint64_t after, d.FileSize());
  return CompactResult{mover.moved(), before > after ? before - after : 0};
}

vz::Result<uint64_t> EvacuateClusters(Delta& d, uint64_t first, uint64_t end,
                                      const RelocateOptions& options) {
  VZ_RETURN_IF_ERROR(NeedWritableExpanded(d, "relocate clusters of"));
  const uint64_t ext = d.header().extension_sectors / d.cluster_sectors();
  if (d.header().extension_sectors && ext >= first && ext < end) {
    VZ_RETURN_IF_ERROR(DropExtension(d));
  }
  // New clusters must land past `end`: pad the file with free clusters
  // (allocated, never sparse) up to it.
  while (d.alloc_head() < end) {
    VZ_RETURN_IF_ERROR(d.AllocateCluster().status());
  }
  Mover mover(d, options);
  VZ_RETURN_IF_ERROR(mover.Init());
  std::vector<uint32_t> rev = ReverseMap(d);
  for (uint64_t idx = first; idx < end && idx < rev.size(); ++idx) {
    if (rev[idx] == 0) continue;
    VZ_ASSIGN_OR_RETURN(uint64_t to, d.AllocateCluster());
    VZ_RETURN_IF_ERROR(mover.Move(rev[idx] - 1, idx, to / d.cluster_bytes()));
  }
  VZ_RETURN_IF_ERROR(mover.Flush());
  return mover.moved();
}

vz::Result<uint64_t> GrowDelta(Delta& d, uint64_t size_bytes,
                               const RelocateOptions& options) {
  if (!d.writable()) {
    return vz::InternalError("grow read-only delta '" + d.path() + "'");
  }
  if (d.kind() == DeltaKind::kRaw) {
    if (size_bytes > d.virtual_bytes())
      VZ_RETURN_IF_ERROR(d.Resize(size_bytes));
    return uint64_t{0};
  }
  Header h = d.header();
  VZ_RETURN_IF_ERROR(
      ResizeHeader(h, size_bytes).WithDefaultExitCode(kSysExitParam));
  if (h.size_sectors <= d.header().size_sectors) return uint64_t{0};
  uint64_t old_first = d.header().first_data_cluster();
  uint64_t moved = 0;
  if (h.first_data_cluster() > old_first) {
    VZ_ASSIGN_OR_RETURN(
        moved, EvacuateClusters(d, old_first, h.first_data_cluster(), options));
  }
  VZ_RETURN_IF_ERROR(d.Resize(size_bytes));
  return moved;
}

}  // namespace ploop
