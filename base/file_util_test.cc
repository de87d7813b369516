#include "base/file_util.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"

namespace vz {
namespace {

TEST(FileUtilTest, AtomicWriteAndRead) {
  testing::TempDir dir;
  std::string p = dir.Join("conf");
  ASSERT_TRUE(WriteFileAtomic(p, "A=1\n", 0600).ok());
  EXPECT_EQ(*ReadFile(p), "A=1\n");
  ASSERT_TRUE(WriteFileAtomic(p, "A=2\n").ok());
  EXPECT_EQ(*ReadFile(p), "A=2\n");
  struct stat st;
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(*ListDir(dir.path()),
            (std::vector<std::string>{"conf"}));  // no temp left
}

TEST(FileUtilTest, ReadLimitsAndErrors) {
  testing::TempDir dir;
  std::string p = dir.Join("big");
  ASSERT_TRUE(WriteFileAtomic(p, std::string(1000, 'x')).ok());
  EXPECT_EQ(ReadFile(p, 999).error().code(), Code::kResourceExhausted);
  EXPECT_EQ(ReadFile(dir.Join("missing")).error().code(), Code::kNotFound);
}

TEST(FileUtilTest, MakeDirsAndRemoveTree) {
  testing::TempDir dir;
  std::string deep = dir.Join("a/b/c");
  ASSERT_TRUE(MakeDirs(deep).ok());
  ASSERT_TRUE(MakeDirs(deep).ok());
  ASSERT_TRUE(WriteFileAtomic(deep + "/f", "x").ok());
  EXPECT_EQ(MakeDirs(deep + "/f").code(), Code::kFailedPrecondition);
  ASSERT_TRUE(RemoveTree(dir.Join("a")).ok());
  EXPECT_FALSE(PathExists(dir.Join("a")));
  EXPECT_FALSE(RemoveTree("/").ok());
  EXPECT_FALSE(RemoveTree("").ok());
}

TEST(FileUtilTest, PathPieces) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(DirName("/a/b/"), "/a");
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_EQ(BaseName("/a/b/"), "b");
  EXPECT_EQ(JoinPath("/a/", "/b"), "/a/b");
  EXPECT_EQ(JoinPath("/", "b"), "/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
}

}  // namespace
}  // namespace vz
