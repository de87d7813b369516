#include "base/poll_for.h"

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(PollForTest, AsksAtOnceThenUntilDone) {
  int asked = 0;
  auto now = PollFor(std::chrono::seconds(5), [&]() -> Result<bool> {
    ++asked;
    return true;
  });
  ASSERT_TRUE(now.has_value());
  EXPECT_TRUE(*now);
  EXPECT_EQ(asked, 1);

  asked = 0;
  auto third = PollFor(std::chrono::seconds(5),
                       [&]() -> Result<bool> { return ++asked == 3; });
  ASSERT_TRUE(third.has_value());
  EXPECT_TRUE(*third);
  EXPECT_EQ(asked, 3);
}

TEST(PollForTest, NeverDoneIsFalseAtTheLimitWithGrowingSleeps) {
  int asked = 0;
  const auto start = std::chrono::steady_clock::now();
  auto never = PollFor(std::chrono::milliseconds(60), [&]() -> Result<bool> {
    ++asked;
    return false;
  });
  ASSERT_TRUE(never.has_value());
  EXPECT_FALSE(*never);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(60));
  // Asked at 0, 1, 3, 7, 15, 31, 47 and at 60 ms: 8 times, fewer on a
  // busy machine. A fixed 1 ms period would ask about 60 times.
  EXPECT_GE(asked, 2);
  EXPECT_LE(asked, 10);
}

TEST(PollForTest, AnErrorEndsTheWait) {
  int asked = 0;
  auto failed = PollFor(std::chrono::seconds(5), [&]() -> Result<bool> {
    return ++asked == 2 ? Result<bool>(NotFoundError("gone")) : false;
  });
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), Code::kNotFound);
  EXPECT_EQ(asked, 2);
}

}  // namespace
}  // namespace vz
