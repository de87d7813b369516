#include "libvz/cpu_quiet.h"

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(CpuQuietTest, ParsesTheWholeNodesLine) {
  const char kStat[] =
      "cpu  100 5 30 800 40 2 3 7 0 0\n"
      "cpu0 50 2 15 400 20 1 1 3 0 0\n"
      "intr 12345\n";
  auto t = ParseCpuTimes(kStat);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->busy, 100u + 5 + 30 + 2 + 3 + 7);
  EXPECT_EQ(t->idle, 800u + 40);
}

TEST(CpuQuietTest, AnOldKernelsShortLineCounts) {
  auto t = ParseCpuTimes("cpu 10 0 10 80\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->busy, 20u);
  EXPECT_EQ(t->idle, 80u);
}

TEST(CpuQuietTest, NoCpuLineIsAnError) {
  EXPECT_EQ(ParseCpuTimes("cpu0 1 2 3 4\nintr 5\n").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseCpuTimes("cpu 1 x 3 4\n").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseCpuTimes("").error().code(), Code::kInvalidArgument);
}

TEST(CpuQuietTest, IdleShareIsOfTheTimeBetweenTheSamples) {
  CpuTimes a{.busy = 100, .idle = 900};
  EXPECT_DOUBLE_EQ(IdleShare(a, {.busy = 175, .idle = 925}), 0.25);
  EXPECT_DOUBLE_EQ(IdleShare(a, {.busy = 100, .idle = 1000}), 1.0);
  EXPECT_DOUBLE_EQ(IdleShare(a, a), 1.0);  // no tick passed
  // A counter that went backwards counts as no time, not as 2^64 ticks.
  EXPECT_DOUBLE_EQ(IdleShare(a, {.busy = 200, .idle = 899}), 0.0);
}

TEST(CpuQuietTest, WaitReturnsAtItsLimitWhenNeverQuietEnough) {
  // No share of idle time reaches 1.5: the wait ends at its limit.
  EXPECT_FALSE(WaitForQuietCpus(1.5, std::chrono::milliseconds(5),
                                std::chrono::milliseconds(30)));
  // Any window is at least 0 idle.
  EXPECT_TRUE(WaitForQuietCpus(0.0, std::chrono::milliseconds(5),
                               std::chrono::seconds(5)));
}

}  // namespace
}  // namespace vz
