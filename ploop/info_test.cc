#include "ploop/info.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/delta.h"
#include "ploop/restore.h"
#include "ploop/snapshot.h"
#include "ploop/testing/test_image.h"

namespace ploop {
namespace {

using testing::Put;
constexpr uint64_t kCb = testing::kSmallClusterBytes;
constexpr uint64_t kSize = 64 * kCb;

TEST(InfoTest, DeltasOfTheChain) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), testing::SmallImage(kSize)).ok());
  std::string model;
  vz::Uuid snap;
  {
    auto img = *Image::Open(dir.path(), {});
    Put(*img, model, 0, 4 * kCb, 1);  // base: clusters 0..3
    snap = *CreateSnapshot(*img, {});
    Put(*img, model, 2 * kCb, 4 * kCb, 2);  // top: 2..5, shadows 2 and 3
    auto live = GetImageInfo(*img);
    ASSERT_TRUE(live.has_value()) << live.error().message();
    EXPECT_TRUE(live->deltas[1].in_use);
  }
  auto info = GetImageInfo(dir.Join(kDescriptorName));
  ASSERT_TRUE(info.has_value()) << info.error().message();
  EXPECT_EQ(info->virtual_bytes, kSize);
  EXPECT_EQ(info->cluster_bytes, kCb);
  EXPECT_EQ(info->version, 2);
  EXPECT_EQ(info->snapshots, 1u);
  ASSERT_EQ(info->deltas.size(), 2u);
  const DeltaInfo& base = info->deltas[0];
  EXPECT_EQ(base.file, dir.Join("root.hds"));
  EXPECT_EQ(base.guid, snap);
  EXPECT_EQ(base.mapped_clusters, 4u);
  EXPECT_EQ(base.allocated_bytes, 4 * kCb);
  EXPECT_EQ(base.file_bytes, 5 * kCb);
  EXPECT_EQ(base.shadowing_clusters, 0u);
  EXPECT_FALSE(base.in_use);
  const DeltaInfo& top = info->deltas[1];
  EXPECT_EQ(top.guid, TopDeltaGuid());
  EXPECT_EQ(top.mapped_clusters, 4u);
  EXPECT_EQ(top.shadowing_clusters, 2u);
  EXPECT_EQ(top.version, 2);
  EXPECT_EQ(top.free_clusters, 0u);
}

TEST(InfoTest, RawImage) {
  vz::testing::TempDir dir;
  CreateParams p = testing::SmallImage(kSize);
  p.format = ImageFormat::kRaw;
  ASSERT_TRUE(CreateImage(dir.path(), p).ok());
  auto info = *GetImageInfo(dir.path());
  EXPECT_FALSE(info.version.has_value());
  EXPECT_EQ(info.deltas[0].type, DeltaType::kPlain);
  EXPECT_EQ(info.deltas[0].mapped_clusters, 64u);
}

// restore-descriptor writes what create wrote (pinned by golden files).
TEST(RestoreTest, Ploop1FromItsHeader) {
  vz::testing::TempDir dir;
  CreateParams p;
  p.size_bytes = 10ull << 30;
  p.cluster_sectors = 2048;
  ASSERT_TRUE(CreateImage(dir.path(), p).ok());
  std::string made = *vz::ReadFile(dir.Join(kDescriptorName));
  ASSERT_EQ(::unlink(dir.Join(kDescriptorName).c_str()), 0);
  ASSERT_TRUE(RestoreDescriptor(dir.path(), "root.hds", {}).ok());
  std::string restored = *vz::ReadFile(dir.Join(kDescriptorName));
  EXPECT_EQ(restored, made);
  vz::testing::ExpectGolden("ploop/descriptors/restored-ploop1-10g.out.xml",
                            restored);
  EXPECT_TRUE(Image::Open(dir.path(), {}).has_value());
  auto again = RestoreDescriptor(dir.path(), "root.hds", {});
  EXPECT_EQ(again.code(), vz::Code::kAlreadyExists);
  EXPECT_EQ(again.exit_code(), kSysExitParam);
}

TEST(RestoreTest, RawNeedsABlockSize) {
  vz::testing::TempDir dir;
  std::string f = dir.Join("disk.raw");
  ASSERT_TRUE(vz::WriteFileAtomic(f, std::string(3 << 20, '\0')).ok());
  RestoreParams raw;
  raw.type = DeltaType::kPlain;
  EXPECT_EQ(RestoreDescriptor(dir.path(), f, raw).exit_code(), kSysExitParam);
  auto not_ploop = RestoreDescriptor(dir.path(), f, {});
  EXPECT_EQ(ExitCodeFor(not_ploop), kSysExitPloopFmt);
  EXPECT_NE(not_ploop.message().find("-f raw"), std::string::npos);
  raw.cluster_sectors = 2048;
  ASSERT_TRUE(RestoreDescriptor(dir.path(), f, raw).ok());
  vz::testing::ExpectGolden("ploop/descriptors/restored-raw-3m.out.xml",
                            *vz::ReadFile(dir.Join(kDescriptorName)));
  auto img = Image::Open(dir.path(), {});
  ASSERT_TRUE(img.has_value()) << img.error().message();
  EXPECT_EQ((*img)->size(), 3u << 20);
}

TEST(RestoreTest, TheDeltaMustBeInTheDirectory) {
  vz::testing::TempDir dir, other;
  ASSERT_TRUE(CreateImage(other.path(), testing::SmallImage()).ok());
  auto r = RestoreDescriptor(dir.path(), other.Join("root.hds"), {});
  EXPECT_EQ(r.exit_code(), kSysExitParam);
  EXPECT_EQ(RestoreDescriptor(dir.path(), "absent", {}).exit_code(),
            kSysExitOpen);
}

}  // namespace
}  // namespace ploop
