#include "base/file_lock.h"

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"

namespace vz {
namespace {

TEST(FileLockTest, ExclusiveExcludes) {
  testing::TempDir dir;
  std::string p = dir.Join("101.lck");
  auto a = FileLock::Acquire(p, FileLock::Mode::kExclusive, false);
  ASSERT_TRUE(a.has_value());
  auto b = FileLock::Acquire(p, FileLock::Mode::kExclusive, false);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code(), Code::kUnavailable);
  EXPECT_NE(b.error().message().find("locked by another process"),
            std::string::npos);
  a->Release();
  EXPECT_TRUE(
      FileLock::Acquire(p, FileLock::Mode::kExclusive, false).has_value());
}

TEST(FileLockTest, SharedLocksCoexist) {
  testing::TempDir dir;
  std::string p = dir.Join("x");
  auto a = FileLock::Acquire(p, FileLock::Mode::kShared, false);
  auto b = FileLock::Acquire(p, FileLock::Mode::kShared, false);
  EXPECT_TRUE(a.has_value() && b.has_value());
  EXPECT_FALSE(
      FileLock::Acquire(p, FileLock::Mode::kExclusive, false).has_value());
}

TEST(FileLockTest, NoCreate) {
  testing::TempDir dir;
  auto r = FileLock::Acquire(dir.Join("absent"), FileLock::Mode::kShared, false,
                             false);
  EXPECT_EQ(r.error().code(), Code::kNotFound);
}

}  // namespace
}  // namespace vz
