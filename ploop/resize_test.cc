#include "ploop/resize.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/stack.h"
#include "ploop/snapshot.h"
#include "ploop/testing/test_image.h"

namespace ploop {
namespace {

using testing::Padded;
using testing::Put;
using testing::ReadDisk;
using testing::SameDisk;
constexpr uint64_t kCb = testing::kSmallClusterBytes;
constexpr uint64_t kSize = 256 * kCb;  // 1 MiB: the BAT fits one cluster

class ResizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateImage(dir_.path(), testing::SmallImage(kSize)).ok());
    dd_path_ = dir_.Join(kDescriptorName);
  }
  std::unique_ptr<Image> Open() {
    auto img = Image::Open(dd_path_, {});
    EXPECT_TRUE(img.has_value()) << img.error().message();
    return img.has_value() ? std::move(img).value() : nullptr;
  }
  DiskDescriptor Descriptor() { return *ReadDiskDescriptor(dd_path_); }

  vz::testing::TempDir dir_;
  std::string dd_path_;
  std::string model_;
};

TEST_F(ResizeTest, GrowWithinTheReservedBat) {
  auto img = Open();
  Put(*img, model_, 0, 3 * kCb, 1);
  auto r = GrowImage(*img, kSize + 100 * kCb - 5);  // rounds up
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->new_bytes, kSize + 100 * kCb);
  EXPECT_EQ(r->relocated_clusters, 0u);
  EXPECT_EQ(img->size(), kSize + 100 * kCb);
  Put(*img, model_, kSize + 50 * kCb, kCb, 2);  // the new space is usable
  img.reset();
  auto dd = Descriptor();
  EXPECT_EQ(dd.disk_size_sectors * 512, kSize + 100 * kCb);
  Chs chs = ComputeChs(dd.disk_size_sectors);
  EXPECT_EQ(dd.cylinders, chs.cylinders);
  EXPECT_EQ(dd.heads, chs.heads);
  EXPECT_TRUE(SameDisk(Padded(model_, kSize + 100 * kCb), ReadDisk(dd_path_)));
}

TEST_F(ResizeTest, GrowRelocatesDataInTheWayOfTheBat) {
  auto img = Open();
  Put(*img, model_, 0, 6 * kCb, 1);    // image clusters 1..6
  auto r = GrowImage(*img, 32 << 20);  // 8192 entries: 9 BAT clusters
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->relocated_clusters, 6u);
  EXPECT_EQ(img->stack().top().header().first_data_cluster(), 9u);
  EXPECT_TRUE(SameDisk(Padded(model_, 32 << 20), ReadDisk(*img)));
  Put(*img, model_, (32 << 20) - kCb, kCb, 2);
  img.reset();
  EXPECT_TRUE(SameDisk(Padded(model_, 32 << 20), ReadDisk(dd_path_)));
}

TEST_F(ResizeTest, GrowOnlyGrows) {
  auto r = GrowImage(dd_path_, kSize / 2);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(ExitCodeFor(r.error()), kSysExitParam);
  auto same = GrowImage(dd_path_, kSize);
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->new_bytes, same->old_bytes);
}

TEST_F(ResizeTest, GrowOfAV1ImagePastTwoTerabytesIsRefused) {
  vz::testing::TempDir other;
  ASSERT_TRUE(CreateImage(other.path(), testing::SmallImage(kSize, 1)).ok());
  auto r = GrowImage(other.path(), uint64_t{3} << 40);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(ExitCodeFor(r.error()), kSysExitParam);
}

TEST_F(ResizeTest, ShrinkDropsTheTailAndCompacts) {
  auto img = Open();
  Put(*img, model_, 0, 4 * kCb, 1);
  Put(*img, model_, 200 * kCb, 20 * kCb, 2);  // past the new end
  Put(*img, model_, 10 * kCb, 2 * kCb, 3);
  uint64_t before = testing::FileSize(dir_.Join("root.hds"));
  auto r = ShrinkImage(*img, 100 * kCb);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->new_bytes, 100 * kCb);
  EXPECT_EQ(r->reclaimed_bytes, 20 * kCb);
  EXPECT_EQ(testing::FileSize(dir_.Join("root.hds")), before - 20 * kCb);
  model_.resize(100 * kCb);
  EXPECT_TRUE(SameDisk(model_, ReadDisk(*img)));
  img.reset();
  EXPECT_EQ(Descriptor().disk_size_sectors * 512, 100 * kCb);
  EXPECT_TRUE(SameDisk(model_, ReadDisk(dd_path_)));
  // Growing again shows zeros, not the dropped data.
  ASSERT_TRUE(GrowImage(dd_path_, kSize).has_value());
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(dd_path_)));
}

// A container over its template's base: the base (a lower delta) holds
// data past the container's smaller end, and must stay as it is.
TEST_F(ResizeTest, ShrinkOverASnapshotHidesItsTailAndGrowShowsZeros) {
  auto img = Open();
  Put(*img, model_, 10 * kCb, kCb, 1);
  Put(*img, model_, 150 * kCb, 3 * kCb, 2);  // past the new end, below
  ASSERT_TRUE(CreateSnapshot(*img, {}).has_value());
  const std::string lower = dir_.Join("root.hds");
  uint64_t lower_size = testing::FileSize(lower);
  auto r = ShrinkImage(*img, 100 * kCb);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(img->size(), 100 * kCb);
  EXPECT_TRUE(SameDisk(Padded(model_, 100 * kCb), ReadDisk(*img)));
  // Back to the old size: the hidden tail reads as zeros, not old data.
  auto g = GrowImage(*img, kSize);
  ASSERT_TRUE(g.has_value()) << g.error().message();
  std::string want = model_;
  want.replace(150 * kCb, 3 * kCb, std::string(3 * kCb, '\0'));
  EXPECT_TRUE(SameDisk(Padded(want, kSize), ReadDisk(*img)));
  img.reset();
  EXPECT_TRUE(SameDisk(Padded(want, kSize), ReadDisk(dd_path_)));
  EXPECT_EQ(testing::FileSize(lower), lower_size);  // the base untouched
}

TEST_F(ResizeTest, ShrinkOverALargerRawBaseIsRefused) {
  vz::testing::TempDir raw_dir;
  CreateParams p = testing::SmallImage(kSize);
  p.format = ImageFormat::kRaw;
  ASSERT_TRUE(CreateImage(raw_dir.path(), p).ok());
  auto img = *Image::Open(raw_dir.path(), {});
  ASSERT_TRUE(CreateSnapshot(*img, {}).has_value());
  auto r = ShrinkImage(*img, 100 * kCb);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(ExitCodeFor(r.error()), kSysExitParam);
  EXPECT_NE(r.error().message().find("root.hds'"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(img->size(), kSize);  // nothing changed
}

TEST_F(ResizeTest, ResizeOfARawImage) {
  vz::testing::TempDir raw_dir;
  CreateParams p = testing::SmallImage(kSize);
  p.format = ImageFormat::kRaw;
  ASSERT_TRUE(CreateImage(raw_dir.path(), p).ok());
  std::string model;
  {
    auto img = *Image::Open(raw_dir.path(), {});
    Put(*img, model, 0, 2 * kCb, 1);
    ASSERT_TRUE(ResizeImage(*img, 2 * kSize).has_value());
    EXPECT_EQ(testing::FileSize(raw_dir.Join("root.hds")), 2 * kSize);
    ASSERT_TRUE(ResizeImage(*img, kSize / 2).has_value());
    EXPECT_EQ(testing::FileSize(raw_dir.Join("root.hds")), kSize / 2);
  }
  EXPECT_TRUE(SameDisk(Padded(model, kSize / 2),
                       ReadDisk(raw_dir.Join(kDescriptorName))));
}

// A shrink interrupted after the descriptor was cut: the top still maps
// clusters past the end. The image opens, and a grow does not bring the
// stale data back.
TEST_F(ResizeTest, InterruptedShrinkLeavesAnImageThatOpens) {
  auto img = Open();
  Put(*img, model_, 0, kCb, 1);
  std::string stale;
  Put(*img, stale, 200 * kCb, kCb, 2);
  img.reset();
  auto dd = Descriptor();
  dd.disk_size_sectors = 100 * kCb / 512;
  ASSERT_TRUE(WriteDiskDescriptor(dd_path_, dd).ok());
  img = Open();
  ASSERT_TRUE(img);
  EXPECT_EQ(img->size(), 100 * kCb);
  ASSERT_TRUE(GrowImage(*img, kSize).has_value());
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(*img)));
}

}  // namespace
}  // namespace ploop
