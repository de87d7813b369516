// Relocation: moving data clusters inside one expanded delta file.
//
// Three users: `ploop compact` and shrink (CompactDelta: fill free clusters
// with the clusters at the end of the file, then truncate it), grow
// (GrowDelta: a larger BAT needs the clusters right after it, so the data
// there moves to the end first), and check -r (leaks are reclaimed by
// compaction). The device server calls them with I/O paused.
//
// Crash safety (doc/ploop-format.md §1.3): a cluster moves by copying its
// data to a cluster no BAT entry references, then pointing the entry at the
// copy, then Delta::Sync() (data -> fdatasync -> BAT -> fdatasync). Until the
// BAT write is durable the old entry points at the untouched original, after
// it the new one points at a durable copy; the file is truncated only after
// that. A crash at any point leaves a valid mapping, at worst with leaked
// clusters.
//
// Thread-safety: the delta must not allocate clusters concurrently (pause
// allocating writes). Overwrites of mapped clusters may continue only if the
// caller passes hooks that block writes to the cluster being moved.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/status.h"
#include "ploop/lib/delta.h"

namespace ploop {

struct RelocateOptions {
  // Called before the data of virtual cluster `c` is copied and after its
  // BAT entry points at the copy (in memory); a write to `c` in between
  // would go to the old place and be lost, so the device server blocks it.
  std::function<void(uint32_t c)> lock_cluster;
  std::function<void(uint32_t c)> unlock_cluster;
  // Moves are made durable (Delta::Sync) after this many bytes: one
  // fdatasync pair per batch instead of per cluster.
  uint64_t sync_every_bytes = 64 << 20;
};

// For each image cluster below alloc_head(): 1 + the virtual cluster mapped
// there, or 0 (free; also for the header/BAT clusters below F). Requires a
// validated BAT (no cluster mapped twice).
std::vector<uint32_t> ReverseMap(const Delta& delta);

// Number of data clusters no BAT entry references (leaks), between the BAT
// and alloc_head(); a format extension cluster counts as used.
uint64_t CountFreeClusters(const Delta& delta);

struct CompactResult {
  uint64_t moved_clusters = 0;
  uint64_t reclaimed_bytes = 0;  // file size before minus after
};

// Moves the highest used clusters of a writable expanded delta into its free
// clusters and truncates the file after the last used one (a partial tail
// cluster goes too). A format extension is dropped (any write makes it
// stale). Errors: kInternal for a read-only or raw delta; I/O errors with
// SYSEXIT_READ/WRITE/FSYNC/FTRUNCATE.
vz::Result<CompactResult> CompactDelta(Delta& delta,
                                       const RelocateOptions& options = {});

// Moves every data cluster whose index is in [first, end) to new clusters
// at the end of the file, extending the file to at least `end` clusters.
// Returns how many moved. Errors as CompactDelta, plus SYSEXIT_FALLOCATE.
vz::Result<uint64_t> EvacuateClusters(Delta& delta, uint64_t first,
                                      uint64_t end,
                                      const RelocateOptions& options = {});

// Grows a writable delta to `size_bytes` (rounded up to a cluster): a raw
// delta is extended; an expanded delta whose BAT needs more clusters first
// has the data in the way evacuated, then Delta::Resize() writes the larger
// BAT and the header. Returns how many data clusters moved. Errors as
// EvacuateClusters; kInvalidArgument for a size the format cannot address.
vz::Result<uint64_t> GrowDelta(Delta& delta, uint64_t size_bytes,
                               const RelocateOptions& options = {});

}  // namespace ploop
