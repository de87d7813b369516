#include "libvz/storage/disk_size.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"
#include "base/unique_fd.h"

namespace vz::storage {
namespace {

const DiskSizeRecord kExample = {.descriptor = {.dev = 2049,
                                                .ino = 1310723,
                                                .ctime_sec = 1796600000,
                                                .ctime_nsec = 123456789,
                                                .size = 1176},
                                 .disk_bytes = uint64_t{10} << 30};

TEST(DiskSizeTest, FormatIsPinnedAndRoundTrips) {
  vz::testing::ExpectGolden("disk_size/example.golden",
                            FormatDiskSize(kExample));
  auto r = ParseDiskSize(FormatDiskSize(kExample));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(*r, kExample);
}

TEST(DiskSizeTest, BrokenFilesAreNotTrusted) {
  for (const char* text : {
           "", "vz-disk-size 1\n", "vz-disk-size 2\n1 2 3 4 5 6\n",
           "vz-disk-size 1\n1 2 3 4 5 6",             // cut short
           "vz-disk-size 1\n1 2 3 4 5\n",             // a field short
           "vz-disk-size 1\n1 2 3 4 5 6 7\n",         // one too many
           "vz-disk-size 1\n1 2 3 4 5 -6\n",          // not a number
           "vz-disk-size 1\n1 2 3 1000000000 5 6\n",  // nsec out of range
           "vz-disk-size 1\n1 2 3 4 5 0\n",           // no disk
           "vz-disk-size 1\n1 2 3 4 5 6\n7\n",        // more lines
       }) {
    auto r = ParseDiskSize(text);
    EXPECT_FALSE(r.has_value()) << text;
    if (!r.has_value()) {
      EXPECT_EQ(r.error().code(), Code::kDataLoss) << text;
    }
  }
}

TEST(DiskSizeTest, UsedOnlyWhileTheDescriptorKeepsItsIdentity) {
  vz::testing::TempDir dir;
  const std::string dd = dir.path() + "/DiskDescriptor.xml";
  const std::string path = DiskSizePath(dir.path());
  ASSERT_TRUE(WriteFileAtomic(dd, "<xml/>").ok());
  auto id = IdentityOf(dd);
  ASSERT_TRUE(id.has_value()) << id.error().message();
  EXPECT_EQ(RememberedDiskSize(path, *id), std::nullopt);  // none yet
  ASSERT_TRUE(
      RememberDiskSize(path, {.descriptor = *id, .disk_bytes = 42}).ok());
  EXPECT_EQ(RememberedDiskSize(path, *id), 42u);
  // Replaced, as every writer of a descriptor does: a new inode.
  ASSERT_TRUE(WriteFileAtomic(dd, "<xml/>").ok());
  EXPECT_EQ(RememberedDiskSize(path, *IdentityOf(dd)), std::nullopt);
  // Written in place (same inode, same size): its ctime moved on.
  ASSERT_TRUE(
      RememberDiskSize(path, {.descriptor = *IdentityOf(dd), .disk_bytes = 42})
          .ok());
  const FileIdentity before = *IdentityOf(dd);
  ::usleep(20000);  // past a coarse clock tick
  {
    UniqueFd fd(::open(dd.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_EQ(::pwrite(fd.get(), "<", 1, 0), 1);
  }
  const FileIdentity after = *IdentityOf(dd);
  EXPECT_EQ(after.ino, before.ino);
  EXPECT_NE(after, before);
  EXPECT_EQ(RememberedDiskSize(path, after), std::nullopt);
  // A broken file is the same as none.
  ASSERT_TRUE(WriteFileAtomic(path, "junk").ok());
  EXPECT_EQ(RememberedDiskSize(path, after), std::nullopt);
}

}  // namespace
}  // namespace vz::storage
