#include "base/self_cgroup.h"

#include <thread>

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(SelfCgroupTest, RootOfEveryHierarchy) {
  EXPECT_TRUE(AllRootCgroups("9:name=systemd:/\n1:cpu,cpuacct:/\n0::/\n"));
  EXPECT_TRUE(AllRootCgroups("0::/\n"));
}

TEST(SelfCgroupTest, AnyDeeperPathIsNotRoot) {
  EXPECT_FALSE(AllRootCgroups("1:cpu:/\n4:memory:/user.slice\n0::/\n"));
  EXPECT_FALSE(AllRootCgroups("0::/system.slice/vz.service\n"));
}

TEST(SelfCgroupTest, SingleThreadedCountsThreads) {
  ASSERT_TRUE(SingleThreaded());  // gtest runs tests on the main thread
  bool inside = true;
  std::thread t([&inside] { inside = SingleThreaded(); });
  t.join();
  EXPECT_FALSE(inside);
  EXPECT_TRUE(SingleThreaded());
}

}  // namespace
}  // namespace vz
