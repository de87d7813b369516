#include "base/file_lock.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
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

TEST(FileLockTest, ReplaceFileKeepsTheLock) {
  testing::TempDir dir;
  std::string p = dir.Join("DiskDescriptor.xml");
  ASSERT_TRUE(WriteFileAtomic(p, "old").ok());
  auto a = FileLock::Acquire(p, FileLock::Mode::kExclusive, false, false);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(a->ReplaceFile(p, "new").ok());
  EXPECT_EQ(*ReadFile(p), "new");
  // The new file is locked too: a second process cannot get in.
  auto b = FileLock::Acquire(p, FileLock::Mode::kShared, false, false);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code(), Code::kUnavailable);
  a->Release();
  EXPECT_TRUE(
      FileLock::Acquire(p, FileLock::Mode::kShared, false, false).has_value());
}

TEST(FileLockTest, ReplaceFileNeedsAnExclusiveLock) {
  testing::TempDir dir;
  std::string p = dir.Join("x");
  auto a = FileLock::Acquire(p, FileLock::Mode::kShared, false);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ReplaceFile(p, "data").code(), Code::kFailedPrecondition);
  FileLock none;
  EXPECT_EQ(none.ReplaceFile(p, "data").code(), Code::kFailedPrecondition);
}

TEST(FileLockTest, AcquireFollowsAReplacedFile) {
  testing::TempDir dir;
  std::string p = dir.Join("x");
  ASSERT_TRUE(WriteFileAtomic(p, "1").ok());
  // A lock holder on an old inode (opened before a rename) does not block
  // the file that the path names now.
  auto old_holder = FileLock::Acquire(p, FileLock::Mode::kExclusive, false);
  ASSERT_TRUE(old_holder.has_value());
  ASSERT_TRUE(WriteFileAtomic(p, "2").ok());  // replaced without the lock
  auto b = FileLock::Acquire(p, FileLock::Mode::kExclusive, false);
  EXPECT_TRUE(b.has_value());
}

}  // namespace
}  // namespace vz
