#include "ploop/server/stats.h"

namespace ploop::server {
namespace {

const char* Name(int k) {
  static const char* kNames[] = {"read", "write", "flush", "discard"};
  return kNames[k];
}

}  // namespace

void Stats::Record(OpKind kind, uint64_t bytes, uint64_t latency_ns) {
  Kind& k = kinds_[static_cast<int>(kind)];
  k.ops.fetch_add(1, std::memory_order_relaxed);
  k.bytes.fetch_add(bytes, std::memory_order_relaxed);
  k.total_ns.fetch_add(latency_ns, std::memory_order_relaxed);
  uint64_t us = latency_ns / 1000;
  int b = us == 0 ? 0 : 64 - __builtin_clzll(us);
  if (b >= kBuckets) b = kBuckets - 1;
  k.buckets[b].fetch_add(1, std::memory_order_relaxed);
}

std::string Stats::Format() const {
  std::string out;
  for (int i = 0; i < kOpKinds; ++i) {
    const Kind& k = kinds_[i];
    std::string n = Name(i);
    uint64_t ops = k.ops.load();
    out += n + "_ops=" + std::to_string(ops) + "\n";
    out += n + "_bytes=" + std::to_string(k.bytes.load()) + "\n";
    out += n + "_avg_us=" +
           std::to_string(ops ? k.total_ns.load() / ops / 1000 : 0) + "\n";
    for (int b = 0; b < kBuckets; ++b) {
      uint64_t v = k.buckets[b].load();
      if (v == 0) continue;
      // Upper bound of the bucket in microseconds ("le" as in Prometheus).
      out += n + "_lat_us_le_" +
             std::to_string(b == 0 ? 1 : (uint64_t{1} << b)) + "=" +
             std::to_string(v) + "\n";
    }
  }
  out += "throttled_ops=" + std::to_string(throttled_.load()) + "\n";
  out += "throttled_us=" + std::to_string(throttle_ns_.load() / 1000) + "\n";
  return out;
}

}  // namespace ploop::server
