// I/O statistics of one device server: operations, bytes and a latency
// histogram per kind, as `ploop stat` shows them. Lock-free (relaxed
// atomics): request paths on several threads update, the control thread
// reads.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace ploop::server {

enum class OpKind { kRead = 0, kWrite = 1, kFlush = 2, kDiscard = 3 };
inline constexpr int kOpKinds = 4;
// Bucket i counts latencies in [2^(i-1), 2^i) microseconds; bucket 0 is
// under 1 us, the last one everything from 2^(kBuckets-2) us up.
inline constexpr int kBuckets = 24;

class Stats {
 public:
  void Record(OpKind kind, uint64_t bytes, uint64_t latency_ns);
  void RecordThrottle(uint64_t wait_ns) {
    throttled_.fetch_add(1, std::memory_order_relaxed);
    throttle_ns_.fetch_add(wait_ns, std::memory_order_relaxed);
  }
  // "key=value" lines: read_ops=.. read_bytes=.. read_lat_us_le_N=.. ...
  std::string Format() const;

  uint64_t ops(OpKind k) const {
    return kinds_[static_cast<int>(k)].ops.load();
  }
  uint64_t bytes(OpKind k) const {
    return kinds_[static_cast<int>(k)].bytes.load();
  }

 private:
  struct Kind {
    std::atomic<uint64_t> ops{0}, bytes{0}, total_ns{0};
    std::atomic<uint64_t> buckets[kBuckets] = {};
  };
  Kind kinds_[kOpKinds];
  std::atomic<uint64_t> throttled_{0}, throttle_ns_{0};
};

}  // namespace ploop::server
