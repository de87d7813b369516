#include "ploop/server/limiter.h"

#include <gtest/gtest.h>

namespace ploop::server {
namespace {

using Clock = IoLimiter::Clock;
using std::chrono::milliseconds;

TEST(LimiterTest, UnlimitedNeverWaits) {
  IoLimiter l;
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(l.Admit(1 << 20), 0u);
}

TEST(LimiterTest, BytesAverageHoldsWithBurst) {
  IoLimiter l;
  Clock::time_point t0{};
  l.Set({.bytes_per_sec = 1000000, .bytes_burst = 100000}, t0);
  // Simulate a greedy client for 10 s: admit whatever is allowed, in 4 KiB.
  uint64_t sent = 0;
  Clock::time_point now = t0;
  while (now < t0 + std::chrono::seconds(10)) {
    uint64_t wait = l.Admit(4096, now);
    if (wait == 0) {
      sent += 4096;
    } else {
      now += std::chrono::nanoseconds(wait);
    }
  }
  // 10 s at 1 MB/s plus one burst, give or take a request.
  EXPECT_LE(sent, 10'000'000u + 100'000u + 4096u);
  EXPECT_GE(sent, 10'000'000u - 4096u);
}

TEST(LimiterTest, RequestsLargerThanTheBurstPassAndPayBack) {
  IoLimiter l;
  Clock::time_point t0{};
  l.Set({.bytes_per_sec = 1 << 20, .bytes_burst = 4096}, t0);
  EXPECT_EQ(l.Admit(1 << 20, t0), 0u);  // full bucket: passes, goes into debt
  uint64_t wait = l.Admit(4096, t0);
  EXPECT_GT(wait, 900'000'000u);  // about one second of debt
  EXPECT_EQ(l.Admit(4096, t0 + std::chrono::nanoseconds(wait)), 0u);
}

TEST(LimiterTest, OpsLimit) {
  IoLimiter l;
  Clock::time_point t0{};
  l.Set({.ops_per_sec = 100}, t0);  // burst defaults to one second
  int passed = 0;
  for (int i = 0; i < 1000; ++i) passed += l.Admit(512, t0) == 0 ? 1 : 0;
  EXPECT_EQ(passed, 100);
  EXPECT_EQ(l.Admit(512, t0 + milliseconds(10)), 0u);
  EXPECT_GT(l.Admit(512, t0 + milliseconds(10)), 0u);
}

TEST(LimiterTest, GetReturnsWhatWasSet) {
  IoLimiter l;
  l.Set(
      {.bytes_per_sec = 5, .bytes_burst = 0, .ops_per_sec = 7, .ops_burst = 9});
  Limits g = l.Get();
  EXPECT_EQ(g.bytes_per_sec, 5u);
  EXPECT_EQ(g.bytes_burst, 5u);
  EXPECT_EQ(g.ops_burst, 9u);
}

}  // namespace
}  // namespace ploop::server
