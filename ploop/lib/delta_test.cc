#include "ploop/lib/delta.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "ploop/lib/le.h"

namespace ploop {
namespace {

constexpr uint32_t kSmall = 8;  // 4 KiB clusters keep tests fast
constexpr uint64_t kCb = 4096;

std::unique_ptr<Delta> Create(const std::string& path, uint64_t size = 1 << 20,
                              Version v = Version::kV2) {
  auto d = Delta::CreateExpanded(path, size, kSmall, v);
  EXPECT_TRUE(d.has_value()) << d.error().message();
  return d.has_value() ? std::move(d).value() : nullptr;
}

vz::Result<std::unique_ptr<Delta>> Reopen(const std::string& path,
                                          bool writable = false,
                                          bool allow_in_use = false) {
  DeltaOpenOptions o;
  o.writable = writable;
  o.allow_in_use = allow_in_use;
  return Delta::Open(path, DeltaKind::kExpanded, o);
}

void PokeU32(const std::string& path, uint64_t off, uint32_t v) {
  int fd = ::open(path.c_str(), O_WRONLY);
  uint8_t b[4];
  le::Store32(b, v);
  ASSERT_EQ(::pwrite(fd, b, 4, static_cast<off_t>(off)), 4);
  ::close(fd);
}

TEST(DeltaTest, CreateMakesAnEmptyDelta) {
  vz::testing::TempDir dir;
  auto d = Create(dir.Join("root.hds"));
  ASSERT_TRUE(d);
  // 1 MiB / 4 KiB = 256 entries: 64 + 1024 bytes -> one 4 KiB BAT cluster.
  EXPECT_EQ(d->header().first_data_cluster(), 1u);
  EXPECT_EQ(*d->FileSize(), kCb);
  EXPECT_EQ(d->alloc_head(), 1u);
  EXPECT_EQ(d->clusters(), 256u);
  EXPECT_EQ(d->Lookup(0), kUnmapped);
  EXPECT_EQ(
      Delta::CreateExpanded(dir.Join("root.hds"), 1 << 20, kSmall, Version::kV2)
          .error()
          .code(),
      vz::Code::kAlreadyExists);
}

TEST(DeltaTest, MappingBecomesDurableOnSync) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  {
    auto d = Create(p);
    uint64_t off = *d->AllocateCluster();
    EXPECT_EQ(off, kCb);
    std::vector<uint8_t> data(kCb, 0xab);
    ASSERT_TRUE(d->WriteAt(off, data.data(), data.size()).ok());
    d->Map(5, off);
    EXPECT_EQ(d->Lookup(5), off);
    ASSERT_TRUE(d->Sync().ok());
  }
  // On disk: entry for cluster 5 is slot 21 = byte 84, value = cluster 1.
  std::string bytes = *vz::ReadFile(p);
  EXPECT_EQ(le::Load32(reinterpret_cast<const uint8_t*>(bytes.data()) + 84),
            1u);
  auto d = *Reopen(p);
  EXPECT_EQ(d->Lookup(5), kCb);
  EXPECT_EQ(d->header().flags & kFlagEmpty, 0u);
}

TEST(DeltaTest, ABatLargerThanOneReadChunkLoadsWhole) {
  // 2 GiB of 4 KiB clusters: 524288 entries, a BAT region of 2 MiB + 4 KiB
  // read in 1 MiB chunks (two whole, then the tail). Entries at the start,
  // on both sides of the first chunk's end (slot 262144 is byte 1 MiB) and
  // at the end (in the tail) come back after a reopen.
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  const uint32_t last = (1u << 19) - 1;
  const uint32_t edge = (1u << 18) - kMapOffset;  // first slot of chunk 2
  const std::vector<uint32_t> clusters = {0, edge - 1, edge, last};
  std::vector<uint64_t> offs;
  {
    auto d = Create(p, uint64_t{2} << 30);
    ASSERT_TRUE(d);
    for (uint32_t c : clusters) {
      offs.push_back(*d->AllocateCluster());
      d->Map(c, offs.back());
    }
    ASSERT_TRUE(d->Sync().ok());
  }
  auto d = *Reopen(p);
  ASSERT_EQ(d->clusters(), last + 1);
  for (size_t i = 0; i < clusters.size(); ++i) {
    EXPECT_EQ(d->Lookup(clusters[i]), offs[i]) << "cluster " << clusters[i];
  }
  EXPECT_EQ(d->Lookup(1), kUnmapped);
  EXPECT_EQ(d->Lookup(edge + 1), kUnmapped);
}

TEST(DeltaTest, UnsyncedMappingIsLostNotCorrupt) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  {
    auto d = Create(p);
    uint64_t off = *d->AllocateCluster();
    d->Map(3, off);  // no Sync: as if the process died here
  }
  auto d = *Reopen(p);
  EXPECT_EQ(d->Lookup(3), kUnmapped);
  EXPECT_EQ(d->alloc_head(), 2u);  // the cluster leaked
}

TEST(DeltaTest, InUseFlag) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  {
    auto d = Create(p);
    ASSERT_TRUE(d->MarkInUse().ok());
  }
  auto r = Reopen(p, true);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().exit_code(), 37);
  EXPECT_NE(r.error().message().find("ploop check -r"), std::string::npos);
  EXPECT_TRUE(Reopen(p, false).has_value());  // readers do not care
  auto d = *Reopen(p, true, true);
  ASSERT_TRUE(d->MarkClean().ok());
  EXPECT_TRUE(Reopen(p, true).has_value());
}

TEST(DeltaTest, CorruptBatIsDetected) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  {
    auto d = Create(p);
    uint64_t a = *d->AllocateCluster();
    uint64_t b = *d->AllocateCluster();
    d->Map(0, a);
    d->Map(1, b);
    ASSERT_TRUE(d->Sync().ok());
  }
  auto expect_corrupt = [&](const std::string& what) {
    auto r = Reopen(p);
    ASSERT_FALSE(r.has_value()) << what;
    EXPECT_EQ(r.error().code(), vz::Code::kDataLoss) << what;
    EXPECT_NE(r.error().message().find(what), std::string::npos)
        << r.error().message();
  };
  PokeU32(p, 64 + 4 * 2, 99);  // cluster 2 -> past EOF
  expect_corrupt("past the end of the file");
  PokeU32(p, 64 + 4 * 2, 1);  // cluster 2 -> same as cluster 0
  expect_corrupt("mapped more than once");
  PokeU32(p, 64 + 4 * 2, 0);
  PokeU32(p, 64 + 4 * 3, 0xFFFFFFFF);
  expect_corrupt("invalid");
  PokeU32(p, 64 + 4 * 3, 0);
  DeltaOpenOptions tolerant;
  tolerant.skip_bat_validation = true;
  PokeU32(p, 64 + 4 * 2, 99);
  EXPECT_TRUE(Delta::Open(p, DeltaKind::kExpanded, tolerant).has_value());
}

TEST(DeltaTest, EntryPointingIntoTheBatIsCorrupt) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  { auto d = Create(p, 8 << 20); }  // 2048 entries: BAT clusters 0..2
  PokeU32(p, 64, 2);
  auto r = Reopen(p);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("points into the BAT"), std::string::npos);
}

TEST(DeltaTest, TruncatedFileAndPartialTail) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  { auto d = Create(p); }
  ASSERT_EQ(::truncate(p.c_str(), 100), 0);
  EXPECT_EQ(Reopen(p).error().code(), vz::Code::kDataLoss);
  ASSERT_EQ(::truncate(p.c_str(), kCb + 1000), 0);  // an interrupted extension
  auto d = *Reopen(p);
  EXPECT_EQ(d->alloc_head(), 1u);
}

TEST(DeltaTest, PartialTailIsDroppedBeforeAllocating) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  { auto d = Create(p); }
  {  // a crash left 3000 bytes of an unfinished extension
    int fd = ::open(p.c_str(), O_WRONLY | O_APPEND);
    std::string junk(3000, '\xff');
    ASSERT_EQ(::write(fd, junk.data(), junk.size()), 3000);
    ::close(fd);
  }
  auto d = *Reopen(p, true);
  uint64_t off = *d->AllocateCluster();
  EXPECT_EQ(off, kCb);
  std::vector<uint8_t> buf(kCb, 1);
  ASSERT_TRUE(d->ReadAt(off, buf.data(), kCb).ok());
  EXPECT_EQ(std::count(buf.begin(), buf.end(), 0), static_cast<long>(kCb));
  EXPECT_EQ(*d->FileSize(), 2 * kCb);
}

TEST(DeltaTest, SharedDeltasRefuseWriting) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  { auto d = Create(p); }
  ASSERT_EQ(::link(p.c_str(), dir.Join("other").c_str()), 0);
  EXPECT_TRUE(*Delta::IsShared(p));
  auto r = Reopen(p, true);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("is shared"), std::string::npos);
  EXPECT_TRUE(Reopen(p, false).has_value());
  ASSERT_EQ(::unlink(dir.Join("other").c_str()), 0);
  EXPECT_FALSE(*Delta::IsShared(p));
  ASSERT_TRUE(Delta::MarkShared(p).ok());
  EXPECT_TRUE(*Delta::IsShared(p));
  EXPECT_FALSE(Reopen(p, true).has_value());
}

TEST(DeltaTest, ResizeGrowsTheBatWhenThereIsRoom) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  auto d = Create(p, 1 << 20);  // 256 entries, 1 BAT cluster
  ASSERT_TRUE(
      d->Resize(8 << 20).ok());  // 2048 entries: 8256 bytes: 3 BAT clusters
  EXPECT_EQ(d->clusters(), 2048u);
  EXPECT_EQ(d->header().first_data_cluster(), 3u);
  EXPECT_EQ(d->alloc_head(), 3u);
  d.reset();
  auto again = *Reopen(p);
  EXPECT_EQ(again->clusters(), 2048u);
}

TEST(DeltaTest, ResizeRefusesWhenDataIsInTheWay) {
  vz::testing::TempDir dir;
  auto d = Create(dir.Join("root.hds"), 1 << 20);
  d->Map(0, *d->AllocateCluster());
  auto s = d->Resize(8 << 20);
  EXPECT_EQ(s.code(), vz::Code::kInternal);
}

TEST(DeltaTest, ShrinkDropsEntriesPastTheEnd) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hds");
  auto d = Create(p, 1 << 20);
  d->Map(200, *d->AllocateCluster());
  ASSERT_TRUE(d->Sync().ok());
  ASSERT_TRUE(d->Resize(512 << 10).ok());
  EXPECT_EQ(d->clusters(), 128u);
  ASSERT_TRUE(d->Resize(1 << 20).ok());
  EXPECT_EQ(d->Lookup(200), kUnmapped);
}

TEST(DeltaTest, V1UsesSectorOffsets) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("root.hdd");
  {
    auto d = Create(p, 1 << 20, Version::kV1);
    uint64_t off = *d->AllocateCluster();
    d->Map(7, off);
    ASSERT_TRUE(d->Sync().ok());
  }
  std::string bytes = *vz::ReadFile(p);
  EXPECT_EQ(
      le::Load32(reinterpret_cast<const uint8_t*>(bytes.data()) + 64 + 28),
      kSmall);
  EXPECT_EQ((*Reopen(p))->Lookup(7), kCb);
}

TEST(DeltaTest, RawDeltaMapsEverything) {
  vz::testing::TempDir dir;
  auto d = *Delta::CreateRaw(dir.Join("root.hdd"), 10 * kCb, kSmall);
  EXPECT_EQ(d->clusters(), 10u);
  EXPECT_EQ(d->Lookup(0), 0u);
  EXPECT_EQ(d->Lookup(9), 9 * kCb);
  EXPECT_EQ(d->Lookup(10), kUnmapped);
  struct stat st;
  ASSERT_EQ(::stat(dir.Join("root.hdd").c_str(), &st), 0);
  EXPECT_GE(st.st_blocks * 512, static_cast<blkcnt_t>(10 * kCb));  // not sparse
}

TEST(DeltaTest, Identity) {
  vz::testing::TempDir dir;
  auto d = Create(dir.Join("root.hds"));
  ASSERT_TRUE(d->SetIds("abc", "def").ok());
  EXPECT_EQ(d->id(), "abc");
  EXPECT_EQ(d->parent_id(), "def");
  ASSERT_TRUE(d->SetIds("abc", "").ok());
  EXPECT_EQ(d->parent_id(), "");
}

}  // namespace
}  // namespace ploop
