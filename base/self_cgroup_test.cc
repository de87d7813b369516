#include "base/self_cgroup.h"

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

}  // namespace
}  // namespace vz
