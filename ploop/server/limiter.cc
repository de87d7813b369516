#include "ploop/server/limiter.h"

#include <algorithm>
#include <cmath>

namespace ploop::server {

void IoLimiter::Set(const Limits& l, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  bytes_.rate = l.bytes_per_sec;
  bytes_.burst = l.bytes_burst ? l.bytes_burst : l.bytes_per_sec;
  bytes_.tokens = static_cast<double>(bytes_.burst);
  ops_.rate = l.ops_per_sec;
  ops_.burst = l.ops_burst ? l.ops_burst : l.ops_per_sec;
  ops_.tokens = static_cast<double>(ops_.burst);
  last_ = now;
}

Limits IoLimiter::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {bytes_.rate, bytes_.burst, ops_.rate, ops_.burst};
}

void IoLimiter::Refill(Bucket& b, double seconds) {
  if (!b.rate) return;
  b.tokens = std::min(static_cast<double>(b.burst),
                      b.tokens + seconds * static_cast<double>(b.rate));
}

uint64_t IoLimiter::WaitNs(const Bucket& b) {
  if (!b.rate || b.tokens > 0) return 0;
  // Time until the debt is paid and one token is back.
  double need = 1.0 - b.tokens;
  return static_cast<uint64_t>(
      std::ceil(need / static_cast<double>(b.rate) * 1e9));
}

uint64_t IoLimiter::Admit(uint64_t bytes, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!bytes_.rate && !ops_.rate) return 0;
  double secs = std::chrono::duration<double>(now - last_).count();
  if (secs > 0) {
    Refill(bytes_, secs);
    Refill(ops_, secs);
    last_ = now;
  }
  uint64_t wait = std::max(WaitNs(bytes_), WaitNs(ops_));
  if (wait) return wait;
  if (bytes_.rate) bytes_.tokens -= static_cast<double>(bytes);
  if (ops_.rate) ops_.tokens -= 1;
  return 0;
}

}  // namespace ploop::server
