// Merging deltas: the data engine of snapshot-merge, snapshot-delete and
// merge -A (ploop/snapshot.h decides what to merge and updates the
// descriptor).
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "ploop/lib/delta.h"

namespace ploop {

struct MergeStats {
  uint64_t copied_clusters = 0;     // clusters written into the target
  uint64_t allocated_clusters = 0;  // of which new in the target
};

// Copies into `target` every virtual cluster one of `sources` maps, the
// highest source winning, so that `target` alone then reads what the stack
// target + sources read. `sources` are lowest first and all expanded;
// `target` (expanded or raw, writable) lies directly below them. `target`
// first grows to `virtual_bytes` when smaller (GrowDelta).
//
// Crash safety: the target changes only in clusters the sources shadow, and
// a new cluster gets its BAT entry only after its data is durable, so until
// the caller drops the sources the stack reads the same at every instant.
// Errors: kInternal for a raw source or read-only target; I/O errors.
vz::Result<MergeStats> MergeDeltas(Delta& target,
                                   const std::vector<const Delta*>& sources,
                                   uint64_t virtual_bytes);

}  // namespace ploop
