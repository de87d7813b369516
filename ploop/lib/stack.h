// DeltaStack: the deltas of one image, base first, read as one disk.
//
// Reads go from the top down to the first delta mapping a cluster (zeros if
// none). Only the top delta is written; a write to a cluster the top does
// not map allocates one there, filled with the lower deltas' contents and
// the new data (copy on write at cluster granularity). Zeros written to a
// cluster no delta maps allocate nothing.
//
// Thread-safety: Locate/Read/Write/Flush may run concurrently from several
// threads (the device server); allocation is serialised internally.
// Replacing or resizing deltas requires that no I/O is in flight.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/status.h"
#include "ploop/lib/delta.h"

namespace ploop {

struct Location {
  int level = -1;       // index into the stack, -1: no delta maps it (zeros)
  uint64_t offset = 0;  // byte offset of the cluster in that delta's file
};

class DeltaStack {
 public:
  // `deltas` base first; the top is writable iff it was opened writable.
  // Errors: kInvalidArgument if the deltas' cluster sizes differ.
  static vz::Result<std::unique_ptr<DeltaStack>> Make(
      std::vector<std::unique_ptr<Delta>> deltas, uint64_t virtual_bytes);

  uint64_t virtual_bytes() const { return virtual_bytes_; }
  uint64_t cluster_bytes() const { return cluster_bytes_; }
  uint32_t clusters() const {
    return static_cast<uint32_t>(virtual_bytes_ / cluster_bytes_);
  }
  size_t depth() const { return deltas_.size(); }
  Delta& delta(size_t level) { return *deltas_[level]; }
  const Delta& delta(size_t level) const { return *deltas_[level]; }
  Delta& top() { return *deltas_.back(); }
  bool writable() const { return deltas_.back()->writable(); }

  // Where virtual cluster `c` is read from, searching levels <= `max_level`
  // (default: the whole stack).
  Location Locate(uint32_t c, int max_level = -1) const;

  // Byte-range I/O; ranges must lie inside the virtual disk.
  // Errors: kOutOfRange past the end; I/O errors of the deltas.
  vz::Status Read(uint64_t offset, void* buf, size_t len) const;
  vz::Status Write(uint64_t offset, const void* buf, size_t len);

  // Allocates virtual cluster `c` in the top delta (unless a racing writer
  // did already) and writes `len` bytes of `data` at `in_cluster` into it,
  // the rest of the cluster copied from below. Returns false (and writes
  // nothing) when the data is all zeros and no delta maps `c`.
  vz::Result<bool> WriteAllocating(uint32_t c, uint64_t in_cluster,
                                   const void* data, size_t len);

  // Makes all writes durable (doc/ploop-format.md §1.3).
  vz::Status Flush() { return writable() ? top().Sync() : vz::OkStatus(); }

  // Changes the virtual size (top delta only). Requires no I/O in flight.
  void set_virtual_bytes(uint64_t v) { virtual_bytes_ = v; }
  // Adds a new top delta (snapshot); the old top stays open read-write
  // until the caller reopens it. Requires no I/O in flight.
  void Push(std::unique_ptr<Delta> delta) {
    deltas_.push_back(std::move(delta));
  }
  std::vector<std::unique_ptr<Delta>> Release() { return std::move(deltas_); }

 private:
  DeltaStack() = default;
  vz::Status ReadCluster(uint32_t c, uint64_t in_cluster, uint8_t* out,
                         size_t len, int max_level) const;

  std::vector<std::unique_ptr<Delta>> deltas_;
  uint64_t virtual_bytes_ = 0;
  uint64_t cluster_bytes_ = 0;
  std::mutex alloc_mu_;  // serialises allocations in the top delta
};

// True when all `len` bytes are zero.
bool IsZero(const void* data, size_t len);

}  // namespace ploop
