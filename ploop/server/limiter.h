// IoLimiter: token buckets for bytes/s and operations/s, each with a burst,
// as `ploop iolimit` (and vzctl --iolimit / --iopslimit) set them.
//
// Admit() charges a request and answers how long the caller must hold it
// back before starting it: 0 when both buckets had tokens. Buckets may go
// into debt (a request larger than the burst still passes when the bucket
// is full) so large requests are never starved; the debt delays the next
// ones, which keeps the average at the limit. A limit of 0 is unlimited.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace ploop::server {

struct Limits {
  uint64_t bytes_per_sec = 0;  // 0: unlimited
  uint64_t bytes_burst = 0;    // 0: one second's worth
  uint64_t ops_per_sec = 0;
  uint64_t ops_burst = 0;
};

class IoLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  void Set(const Limits& l, Clock::time_point now = Clock::now());
  Limits Get() const;
  // Nanoseconds to wait before the request may start; 0 to go now. When
  // the answer is not 0 nothing was charged: call again after the wait.
  uint64_t Admit(uint64_t bytes, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    uint64_t rate = 0, burst = 0;
    double tokens = 0;
  };
  void Refill(Bucket& b, double seconds);
  static uint64_t WaitNs(const Bucket& b);

  mutable std::mutex mu_;
  Bucket bytes_, ops_;        // Guarded by mu_.
  Clock::time_point last_{};  // Guarded by mu_.
};

}  // namespace ploop::server
