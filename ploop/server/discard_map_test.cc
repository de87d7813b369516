#include "ploop/server/discard_map.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace ploop::server {
namespace {

constexpr uint64_t kCb = 1 << 20;

TEST(DiscardMapTest, WholeClustersAreReported) {
  DiscardMap m(kCb);
  m.Discard(kCb, 2 * kCb);                // clusters 1 and 2
  m.Discard(5 * kCb + 4096, kCb - 4096);  // cluster 5 but its first block
  auto full = m.FullyDiscarded();
  std::sort(full.begin(), full.end());
  EXPECT_EQ(full, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(m.PartlyDiscardedCount(), 1u);
  m.Discard(5 * kCb, 4096);
  EXPECT_EQ(m.FullyDiscarded().size(), 3u);
}

TEST(DiscardMapTest, OnlyWholeBlocksCount) {
  DiscardMap m(kCb);
  m.Discard(100, 4096);  // covers no whole 4 KiB block
  EXPECT_EQ(m.PartlyDiscardedCount(), 0u);
  EXPECT_TRUE(m.FullyDiscarded().empty());
}

TEST(DiscardMapTest, WritesClearDiscards) {
  DiscardMap m(kCb);
  m.Discard(0, kCb);
  m.Written(10, 1);  // touches block 0
  EXPECT_TRUE(m.FullyDiscarded().empty());
  EXPECT_EQ(m.PartlyDiscardedCount(), 1u);
  m.Forget(0);
  EXPECT_EQ(m.PartlyDiscardedCount(), 0u);
}

TEST(DiscardMapTest, WritesToUntrackedClustersAreCheap) {
  DiscardMap m(kCb);
  m.Written(0, 100 * kCb);
  m.Discard(50 * kCb, kCb);
  m.Written(0, 10 * kCb);  // other clusters: nothing changes
  EXPECT_EQ(m.FullyDiscarded(), (std::vector<uint32_t>{50}));
  m.Reset();
  EXPECT_TRUE(m.FullyDiscarded().empty());
}

}  // namespace
}  // namespace ploop::server
