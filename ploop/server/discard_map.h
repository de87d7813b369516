// DiscardMap: which parts of top-delta clusters the filesystem discarded.
//
// The device server never punches holes (images are never sparse); it only
// remembers discards at 4 KiB granularity so that `ploop compact` can give
// back clusters that were discarded whole. A later write to a block clears
// it. Memory is spent only on clusters with discarded blocks. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace ploop::server {

class DiscardMap {
 public:
  static constexpr uint64_t kBlock = 4096;

  explicit DiscardMap(uint64_t cluster_bytes) : cluster_bytes_(cluster_bytes) {}

  // Marks the whole 4 KiB blocks inside [offset, offset+len) of the disk.
  void Discard(uint64_t offset, uint64_t len);
  // Clears every block [offset, offset+len) touches.
  void Written(uint64_t offset, uint64_t len) {
    if (tracked_.load(std::memory_order_relaxed) == 0) return;
    Clear(offset, len);
  }
  // Clusters discarded whole; they stay tracked until Forget().
  std::vector<uint32_t> FullyDiscarded() const;
  // Clusters with some, not all, blocks discarded.
  size_t PartlyDiscardedCount() const;
  void Forget(uint32_t cluster);
  void Reset();

 private:
  void Clear(uint64_t offset, uint64_t len);
  uint64_t blocks_per_cluster() const { return cluster_bytes_ / kBlock; }

  const uint64_t cluster_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<uint32_t, std::vector<uint64_t>> bits_;  // Guarded by mu_.
  std::atomic<size_t> tracked_{0};
};

}  // namespace ploop::server
