#include "ploop/check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/bat_backup.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/le.h"
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

// A file's bytes and modification time: a check without repair must leave
// both alone (a write of the same bytes would still change the time).
struct Fingerprint {
  std::string bytes;
  int64_t mtime_ns = 0;
  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

Fingerprint Of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return {vz::ReadFile(path, 64 << 20).value_or(""),
          st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
}

void PokeU32(const std::string& path, uint64_t off, uint32_t v) {
  int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  uint8_t b[4];
  le::Store32(b, v);
  ASSERT_EQ(::pwrite(fd, b, 4, static_cast<off_t>(off)), 4);
  ::close(fd);
}

uint64_t Slot(uint32_t c) { return (uint64_t{c} + kMapOffset) * 4; }

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateImage(dir_.path(), testing::SmallImage(kSize)).ok());
    dd_ = dir_.Join(kDescriptorName);
    base_ = dir_.Join("root.hds");
    auto img = *Image::Open(dd_, {});
    Put(*img, model_, 0, 6 * kCb, 1);  // clusters 0..5 at image 1..6
    ASSERT_TRUE(img->Close().ok());
  }

  // Checks without repair (must find `p` and write nothing), repairs
  // (must fix everything), checks again (clean).
  void FindAndRepair(Problem p) {
    Fingerprint before = Of(base_);
    auto r = CheckImage(dd_, {});
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(Of(base_), before) << "a check without repair wrote";
    ASSERT_TRUE(r->problems_remain());
    bool found = false;
    for (const auto& f : r->findings) found = found || f.problem == p;
    EXPECT_TRUE(found) << ProblemName(p) << " not found";
    CheckOptions repair;
    repair.repair = true;
    auto fixed = CheckImage(dd_, repair);
    ASSERT_TRUE(fixed.has_value()) << fixed.error().message();
    EXPECT_FALSE(fixed->problems_remain());
    for (const auto& f : fixed->findings) EXPECT_TRUE(f.fixed) << f.message;
    auto again = CheckImage(dd_, {});
    ASSERT_TRUE(again.has_value());
    for (const auto& f : again->findings) ADD_FAILURE() << f.message;
    EXPECT_TRUE(Image::Open(dd_, {}).has_value());
  }

  vz::testing::TempDir dir_;
  std::string dd_, base_, model_;
};

TEST_F(CheckTest, ACleanImageIsClean) {
  auto r = CheckImage(dir_.path(), {});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(r->clean());
  CheckOptions repair;
  repair.repair = true;
  Fingerprint before = Of(base_);
  auto fixed = CheckImage(dd_, repair);
  ASSERT_TRUE(fixed.has_value());
  EXPECT_TRUE(fixed->clean());
  EXPECT_EQ(Of(base_), before) << "repair of a clean image wrote";
}

TEST_F(CheckTest, LeftOverInUseFlag) {
  {
    DeltaOpenOptions o;
    o.writable = true;
    auto d = *Delta::Open(base_, DeltaKind::kExpanded, o);
    ASSERT_TRUE(d->MarkInUse().ok());  // and never closed: a crash
  }
  FindAndRepair(Problem::kInUse);
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(dd_)));
}

TEST_F(CheckTest, DropInUseAloneClearsOnlyTheFlag) {
  {
    DeltaOpenOptions o;
    o.writable = true;
    auto d = *Delta::Open(base_, DeltaKind::kExpanded, o);
    ASSERT_TRUE(d->MarkInUse().ok());
  }
  CheckOptions drop;
  drop.drop_in_use = true;
  auto r = CheckImage(dd_, drop);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_TRUE(r->findings[0].fixed);
  // With another problem the flag stays: it tells the next open to check.
  {
    DeltaOpenOptions o;
    o.writable = true;
    auto d = *Delta::Open(base_, DeltaKind::kExpanded, o);
    ASSERT_TRUE(d->MarkInUse().ok());
  }
  PokeU32(base_, Slot(20), 9999);
  r = CheckImage(dd_, drop);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->problems_remain());
}

TEST_F(CheckTest, EntryPastTheEndOfTheFile) {
  PokeU32(base_, Slot(20), 9999);
  FindAndRepair(Problem::kEntryPastEof);
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(dd_)));
}

TEST_F(CheckTest, InvalidEntries) {
  PokeU32(base_, Slot(21), 0xFFFFFFFF);  // the reserved value
  PokeU32(base_, Slot(2), 0xFFFFFFFF);   // a mapped cluster's entry
  FindAndRepair(Problem::kInvalidEntry);
  std::string expected = Padded(model_, kSize);
  expected.replace(2 * kCb, kCb, std::string(kCb, '\0'));
  EXPECT_TRUE(SameDisk(expected, ReadDisk(dd_)));
}

TEST_F(CheckTest, EntryPastTheEndOfTheDisk) {
  // 64 entries; the BAT cluster has room for 1008: slot of entry 100.
  PokeU32(base_, Slot(100), 3);
  FindAndRepair(Problem::kEntryPastEnd);
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(dd_)));
}

TEST_F(CheckTest, ClusterMappedTwiceGetsACopy) {
  PokeU32(base_, Slot(30), 2);  // cluster 30 -> image cluster 2 (= cluster 1)
  FindAndRepair(Problem::kDoubleMapped);
  std::string expected = Padded(model_, kSize);
  expected.replace(30 * kCb, kCb, model_.substr(kCb, kCb));
  EXPECT_TRUE(SameDisk(expected, ReadDisk(dd_)));
  // The two clusters are independent now.
  auto img = *Image::Open(dd_, {});
  std::string x(kCb, 'x');
  ASSERT_TRUE(img->Write(kCb, x.data(), kCb).ok());
  std::string back(kCb, '\0');
  ASSERT_TRUE(img->Read(30 * kCb, back.data(), kCb).ok());
  EXPECT_EQ(back, model_.substr(kCb, kCb));
}

TEST_F(CheckTest, PartialTailCluster) {
  int fd = ::open(base_.c_str(), O_WRONLY | O_APPEND);
  ASSERT_EQ(::write(fd, "partial", 7), 7);
  ::close(fd);
  FindAndRepair(Problem::kPartialTail);
  EXPECT_EQ(testing::FileSize(base_) % kCb, 0u);
}

TEST_F(CheckTest, HolesAreFilled) {
  int fd = ::open(base_.c_str(), O_RDWR);
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 3 * kCb,
                        2 * kCb),
            0);
  ::close(fd);
  FindAndRepair(Problem::kSparse);
  // Clusters 2 and 3 (image 3 and 4) read as zeros now, as the hole did.
  std::string expected = Padded(model_, kSize);
  expected.replace(2 * kCb, 2 * kCb, std::string(2 * kCb, '\0'));
  EXPECT_TRUE(SameDisk(expected, ReadDisk(dd_)));
}

TEST_F(CheckTest, LeakedClustersAreReclaimed) {
  {
    DeltaOpenOptions o;
    o.writable = true;
    auto d = *Delta::Open(base_, DeltaKind::kExpanded, o);
    d->Map(1, kUnmapped);  // image cluster 2 leaks
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(d->AllocateCluster().has_value());
    ASSERT_TRUE(d->Sync().ok());
  }
  uint64_t before = testing::FileSize(base_);
  FindAndRepair(Problem::kLeakedClusters);
  EXPECT_EQ(testing::FileSize(base_), before - 4 * kCb);
  std::string expected = Padded(model_, kSize);
  expected.replace(kCb, kCb, std::string(kCb, '\0'));
  EXPECT_TRUE(SameDisk(expected, ReadDisk(dd_)));
}

TEST_F(CheckTest, WrongEmptyFlag) {
  auto d = *Delta::Open(base_, DeltaKind::kExpanded, {});
  Header h = d->header();
  h.flags |= kFlagEmpty;
  auto bytes = EncodeHeader(h);
  int fd = ::open(base_.c_str(), O_WRONLY);
  ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), 0), 64);
  ::close(fd);
  FindAndRepair(Problem::kEmptyFlag);
}

TEST_F(CheckTest, ABadHeaderIsFatal) {
  PokeU32(base_, 16, 7);  // m_Type
  auto r = CheckImage(dd_, {});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].problem, Problem::kBadHeader);
  CheckOptions repair;
  repair.repair = true;
  r = CheckImage(dd_, repair);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->problems_remain());
}

TEST_F(CheckTest, ASharedDeltaIsNeverRepaired) {
  vz::testing::TempDir store;
  ASSERT_EQ(::link(base_.c_str(), store.Join("t.hds").c_str()), 0);
  PokeU32(base_, Slot(20), 9999);
  Fingerprint before = Of(base_);
  CheckOptions repair;
  repair.repair = true;
  auto r = CheckImage(dd_, repair);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->problems_remain());
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_NE(r->notes[0].find("root.hds' is shared"), std::string::npos);
  EXPECT_EQ(Of(base_), before);
}

TEST_F(CheckTest, ALockedImageIsRefused) {
  auto img = *Image::Open(dd_, {});
  auto r = CheckImage(dd_, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(ExitCodeFor(r.error()), kSysExitFlock);
}

TEST_F(CheckTest, SingleDeltaCheck) {
  PokeU32(base_, Slot(20), 9999);
  auto r = CheckDelta(base_, false, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->problems_remain());
  CheckOptions repair;
  repair.repair = true;
  r = CheckDelta(base_, false, repair);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->problems_remain());
  EXPECT_TRUE(CheckDelta(base_, false, {})->clean());
}

// A v2 -> v1 conversion interrupted half way: backups written, the deltas
// flagged, one BAT half rewritten. check -r puts every delta back.
TEST_F(CheckTest, InterruptedConversionIsUndone) {
  {
    auto img = *Image::Open(dd_, {});
    ASSERT_TRUE(CreateSnapshot(*img, {}).has_value());
    Put(*img, model_, 2 * kCb, 3 * kCb, 2);
  }
  auto dd = *ReadDiskDescriptor(dd_);
  std::string top = dir_.Join(dd.FindImage(TopDeltaGuid())->file);
  for (const std::string& p : {base_, top}) {
    DeltaOpenOptions o;
    o.writable = true;
    auto d = *Delta::Open(p, DeltaKind::kExpanded, o);
    ASSERT_TRUE(WriteBatBackup(*d).ok());
    Header h = d->header();
    h.flags |= kFlagFmtVersionConvert;
    ASSERT_TRUE(d->WriteHeader(h).ok());
  }
  {
    DeltaOpenOptions o;
    o.writable = true;
    o.skip_bat_validation = true;
    auto d = *Delta::Open(base_, DeltaKind::kExpanded, o);
    d->SetEntry(0, d->Entry(0) * 8);  // as a v1 sector offset
    d->SetEntry(1, d->Entry(1) * 8);
    ASSERT_TRUE(d->Sync().ok());
  }
  auto refused = Image::Open(dd_, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("check -r"), std::string::npos);
  FindAndRepair(Problem::kInterruptedConversion);
  EXPECT_FALSE(vz::PathExists(BatBackupPath(base_)));
  EXPECT_FALSE(vz::PathExists(BatBackupPath(top)));
  EXPECT_TRUE(SameDisk(Padded(model_, kSize), ReadDisk(dd_)));
}

TEST_F(CheckTest, SparseRawDelta) {
  vz::testing::TempDir raw;
  CreateParams p = testing::SmallImage(kSize);
  p.format = ImageFormat::kRaw;
  ASSERT_TRUE(CreateImage(raw.path(), p).ok());
  EXPECT_TRUE(CheckImage(raw.Join(kDescriptorName), {})->clean());
  int fd = ::open(raw.Join("root.hds").c_str(), O_RDWR);
  ASSERT_EQ(
      ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4 * kCb),
      0);
  ::close(fd);
  auto r = CheckImage(raw.Join(kDescriptorName), {});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].problem, Problem::kSparse);
  CheckOptions repair;
  repair.repair = true;
  EXPECT_FALSE(
      CheckImage(raw.Join(kDescriptorName), repair)->problems_remain());
  EXPECT_TRUE(CheckImage(raw.Join(kDescriptorName), {})->clean());
}

}  // namespace
}  // namespace ploop
