#include "base/reverter.h"

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(ReverterTest, RevertsInReverseOrderOnDestruction) {
  std::vector<int> order;
  {
    Reverter r;
    r.Add([&] { order.push_back(1); });
    r.Add([&] { order.push_back(2); });
  }
  EXPECT_EQ(order, (std::vector<int>{2, 1}));
}

TEST(ReverterTest, CommitDisarms) {
  int undone = 0;
  {
    Reverter r;
    r.Add([&] { ++undone; });
    r.Commit();
  }
  EXPECT_EQ(undone, 0);
}

TEST(ReverterTest, ExplicitRevertRunsOnce) {
  int undone = 0;
  Reverter r;
  r.Add([&] { ++undone; });
  r.Revert();
  r.Revert();
  EXPECT_EQ(undone, 1);
}

}  // namespace
}  // namespace vz
