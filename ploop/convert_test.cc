#include "ploop/convert.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/bat_backup.h"
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
constexpr uint64_t kSize = 64 * kCb;

class ConvertTest : public ::testing::Test {
 protected:
  void Make(ImageFormat format, int version = 2) {
    CreateParams p = testing::SmallImage(kSize, version);
    p.format = format;
    ASSERT_TRUE(CreateImage(dir_.path(), p).ok());
    dd_ = dir_.Join(kDescriptorName);
  }
  DiskDescriptor Descriptor() { return *ReadDiskDescriptor(dd_); }

  vz::testing::TempDir dir_;
  std::string dd_, model_;
};

TEST_F(ConvertTest, RawToPloopAndBack) {
  Make(ImageFormat::kRaw);
  {
    auto img = *Image::Open(dd_, {});
    Put(*img, model_, 0, 3 * kCb, 1);
    Put(*img, model_, 10 * kCb + 7, 100, 2);
  }
  auto r = ConvertFormat(dd_, DeltaType::kCompressed);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->copied_clusters, 4u);
  EXPECT_EQ(r->skipped_zero_clusters, 60u);  // all-zero clusters stay out
  auto dd = Descriptor();
  ASSERT_EQ(dd.images.size(), 1u);
  EXPECT_EQ(dd.images[0].type, DeltaType::kCompressed);
  EXPECT_EQ(dd.images[0].file.rfind("root.hds.{", 0), 0u);
  EXPECT_FALSE(vz::PathExists(dir_.Join("root.hds")));
  EXPECT_EQ(testing::FileSize(dir_.Join(dd.images[0].file)), 5 * kCb);
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(dd_)));

  auto back = ConvertFormat(dd_, DeltaType::kPlain);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  dd = Descriptor();
  EXPECT_EQ(dd.images[0].type, DeltaType::kPlain);
  // The name's stem stays: no '.{guid}.{guid}' chains.
  EXPECT_EQ(dd.images[0].file.find('}'), dd.images[0].file.size() - 1);
  EXPECT_EQ(testing::FileSize(dir_.Join(dd.images[0].file)), kSize);
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(dd_)));
  EXPECT_EQ(vz::ListDir(dir_.path())->size(), 2u);

  auto same = ConvertFormat(dd_, DeltaType::kPlain);
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->notes.size(), 1u);
}

TEST_F(ConvertTest, FormatNeedsASingleDelta) {
  Make(ImageFormat::kExpanded);
  ASSERT_TRUE(CreateSnapshot(dd_, {}).has_value());
  auto r = ConvertFormat(dd_, DeltaType::kPlain);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(ExitCodeFor(r.error()), kSysExitParam);
  EXPECT_NE(r.error().message().find("snapshot-merge -A"), std::string::npos);
}

TEST_F(ConvertTest, VersionRoundTripWithSnapshots) {
  Make(ImageFormat::kExpanded);
  {
    auto img = *Image::Open(dd_, {});
    Put(*img, model_, 0, 5 * kCb, 1);
    ASSERT_TRUE(CreateSnapshot(*img, {}).has_value());
    Put(*img, model_, 3 * kCb, 5 * kCb, 2);
    ASSERT_TRUE(CreateSnapshot(*img, {}).has_value());
    Put(*img, model_, 40 * kCb, kCb, 3);
  }
  auto r = ConvertVersion(dd_, 1);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->converted_deltas, 3u);
  for (const auto& i : Descriptor().images) {
    std::string p = dir_.Join(i.file);
    auto d = *Delta::Open(p, DeltaKind::kExpanded, {});
    EXPECT_EQ(d->header().version, Version::kV1) << p;
    EXPECT_EQ(d->header().flags & kFlagFmtVersionConvert, 0u);
    EXPECT_FALSE(vz::PathExists(BatBackupPath(p)));
  }
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(dd_)));
  {
    auto img = *Image::Open(dd_, {});  // v1 images are written correctly
    Put(*img, model_, 50 * kCb, 2 * kCb, 4);
  }
  ASSERT_TRUE(ConvertVersion(dd_, 2).has_value());
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(dd_)));
  auto same = ConvertVersion(dd_, 2);
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->converted_deltas, 0u);
  EXPECT_EQ(ConvertVersion(dd_, 3).error().exit_code(), kSysExitParam);
}

// A converted header is the header v1 would have been made with: the
// golden bytes of header_test.cc's V1StoresA32BitSize.
TEST_F(ConvertTest, ConvertedHeaderMatchesANewV1Header) {
  CreateParams p;
  p.size_bytes = 1ull << 30;
  ASSERT_TRUE(CreateImage(dir_.path(), p).ok());
  ASSERT_TRUE(ConvertVersion(dir_.path(), 1).has_value());
  auto d = *Delta::Open(dir_.Join("root.hds"), DeltaKind::kExpanded, {});
  EXPECT_EQ(EncodeHeader(d->header()),
            EncodeHeader(*MakeHeader(1ull << 30, 2048, Version::kV1)));
}

TEST_F(ConvertTest, V1CannotAddressMoreThanTwoTerabytes) {
  CreateParams p;
  p.size_bytes = 3ull << 40;  // 1 MiB clusters: a 12 MiB BAT
  ASSERT_TRUE(CreateImage(dir_.path(), p).ok());
  auto r = ConvertVersion(dir_.path(), 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(ExitCodeFor(r.error()), kSysExitParam);
  EXPECT_NE(r.error().message().find("2 TiB"), std::string::npos);
  EXPECT_TRUE(Image::Open(dir_.path(), {}).has_value());
}

TEST_F(ConvertTest, ASharedDeltaIsNotConverted) {
  Make(ImageFormat::kExpanded);
  ASSERT_TRUE(CreateSnapshot(dd_, {}).has_value());
  vz::testing::TempDir store;
  ASSERT_EQ(::link(dir_.Join("root.hds").c_str(), store.Join("t").c_str()), 0);
  auto r = ConvertVersion(dd_, 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("root.hds' is shared"), std::string::npos)
      << r.error().message();
  EXPECT_TRUE(Image::Open(dd_, {}).has_value());
}

}  // namespace
}  // namespace ploop
