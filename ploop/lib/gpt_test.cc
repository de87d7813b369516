#include "ploop/lib/gpt.h"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "base/testing/temp_dir.h"

namespace ploop {
namespace {

TEST(GptTest, Crc32KnownValue) {
  EXPECT_EQ(Crc32("123456789", 9), 0xCBF43926u);
}

DiskReader FromBuffer(const std::string& disk) {
  return [&disk](uint64_t off, void* buf, size_t len) -> vz::Status {
    if (off + len > disk.size()) return vz::OutOfRangeError("past end");
    std::memcpy(buf, disk.data() + off, len);
    return vz::OkStatus();
  };
}

TEST(GptTest, NoGptMeansWholeDisk) {
  std::string disk(1 << 20, '\0');
  auto p = *FindFilesystemPartition(FromBuffer(disk), disk.size());
  EXPECT_FALSE(p.from_gpt);
  EXPECT_EQ(p.offset, 0u);
  EXPECT_EQ(p.size, disk.size());
}

TEST(GptTest, ReadsWhatSfdiskWrites) {
  vz::testing::TempDir dir;
  std::string path = dir.Join("disk");
  ASSERT_TRUE(vz::WriteFileAtomic(path, std::string(64 << 20, '\0')).ok());
  vz::SubprocessOptions o;
  o.stdin_data =
      "label: gpt\nstart=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n";
  auto r = vz::RunSubprocess({"sfdisk", "--quiet", path}, o);
  if (!r.has_value()) GTEST_SKIP() << "sfdisk not installed";
  ASSERT_EQ(r->exit_code, 0) << r->err;
  std::string disk = *vz::ReadFile(path, 128 << 20);
  auto p = *FindFilesystemPartition(FromBuffer(disk), disk.size());
  EXPECT_TRUE(p.from_gpt);
  EXPECT_EQ(p.offset, 1u << 20);
  EXPECT_GT(p.size, 60u << 20);
  EXPECT_LE(p.offset + p.size, disk.size() - 33 * 512);
  // A corrupted header (CRC mismatch) is not trusted.
  disk[512 + 40] ^= 1;
  EXPECT_FALSE(
      FindFilesystemPartition(FromBuffer(disk), disk.size())->from_gpt);
}

}  // namespace
}  // namespace ploop
