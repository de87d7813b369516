#include "ploop/lib/relocate.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "ploop/testing/test_image.h"

namespace ploop {
namespace {

using testing::kSmallCluster;
constexpr uint64_t kCb = testing::kSmallClusterBytes;

std::unique_ptr<Delta> Open(const std::string& path, bool writable = true) {
  DeltaOpenOptions o;
  o.writable = writable;
  o.allow_in_use = true;
  auto d = Delta::Open(path, DeltaKind::kExpanded, o);
  EXPECT_TRUE(d.has_value()) << d.error().message();
  return d.has_value() ? std::move(d).value() : nullptr;
}

// Writes virtual clusters [0, n) with a pattern of their own, durably.
std::unique_ptr<Delta> MakeDelta(const std::string& path, uint32_t n,
                                 uint64_t size = 1 << 20) {
  auto d = *Delta::CreateExpanded(path, size, kSmallCluster, Version::kV2);
  for (uint32_t c = 0; c < n; ++c) {
    uint64_t off = *d->AllocateCluster();
    std::string data = testing::Pattern(c * kCb, kCb, 7);
    EXPECT_TRUE(d->WriteAt(off, data.data(), kCb).ok());
    d->Map(c, off);
  }
  EXPECT_TRUE(d->Sync().ok());
  return d;
}

// Every virtual cluster below `n` that is not in `gone` holds its pattern.
void ExpectData(const Delta& d, uint32_t n, const std::set<uint32_t>& gone) {
  for (uint32_t c = 0; c < n; ++c) {
    uint64_t off = d.Lookup(c);
    if (gone.count(c)) {
      EXPECT_EQ(off, kUnmapped) << "cluster " << c;
      continue;
    }
    ASSERT_NE(off, kUnmapped) << "cluster " << c;
    std::string got(kCb, '\0');
    ASSERT_TRUE(d.ReadAt(off, got.data(), kCb).ok());
    EXPECT_EQ(got, testing::Pattern(c * kCb, kCb, 7)) << "cluster " << c;
  }
}

TEST(RelocateTest, CompactMovesTheTailIntoFreeClusters) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("d");
  auto d = MakeDelta(p, 10);  // image clusters 1..10
  d->Map(2, kUnmapped);       // frees image cluster 3
  d->Map(5, kUnmapped);       // frees image cluster 6
  ASSERT_TRUE(d->Sync().ok());
  EXPECT_EQ(CountFreeClusters(*d), 2u);
  auto r = CompactDelta(*d);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->moved_clusters, 2u);
  EXPECT_EQ(r->reclaimed_bytes, 2 * kCb);
  EXPECT_EQ(*d->FileSize(), 9 * kCb);
  EXPECT_EQ(CountFreeClusters(*d), 0u);
  ExpectData(*d, 10, {2, 5});
  d.reset();
  auto again = Open(p, false);  // the BAT validates
  ASSERT_TRUE(again);
  ExpectData(*again, 10, {2, 5});
}

TEST(RelocateTest, CompactDropsLeaksAndAPartialTail) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("d");
  auto d = MakeDelta(p, 4);
  ASSERT_TRUE(d->AllocateCluster().has_value());  // leaked at the end
  d.reset();
  int fd = ::open(p.c_str(), O_WRONLY | O_APPEND);
  ASSERT_EQ(::write(fd, "junk", 4), 4);  // an interrupted extension
  ::close(fd);
  d = Open(p);
  auto r = CompactDelta(*d);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->moved_clusters, 0u);
  EXPECT_EQ(r->reclaimed_bytes, kCb + 4);
  EXPECT_EQ(*d->FileSize(), 5 * kCb);
  ExpectData(*d, 4, {});
}

TEST(RelocateTest, CompactOfAFullDeltaChangesNothing) {
  vz::testing::TempDir dir;
  auto d = MakeDelta(dir.Join("d"), 6);
  auto r = CompactDelta(*d);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->moved_clusters, 0u);
  EXPECT_EQ(r->reclaimed_bytes, 0u);
  EXPECT_EQ(CompactDelta(*Open(dir.Join("d"), false)).error().code(),
            vz::Code::kInternal);
}

TEST(RelocateTest, GrowMovesDataOutOfTheWayOfTheBat) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("d");
  auto d = MakeDelta(p, 4);  // 256 entries: BAT is cluster 0, data 1..4
  EXPECT_EQ(d->header().first_data_cluster(), 1u);
  // 2048 entries: 64 + 8192 bytes need three BAT clusters.
  auto moved = GrowDelta(*d, 8 << 20);
  ASSERT_TRUE(moved.has_value()) << moved.error().message();
  EXPECT_EQ(*moved, 2u);
  EXPECT_EQ(d->header().first_data_cluster(), 3u);
  EXPECT_EQ(d->virtual_bytes(), 8u << 20);
  ExpectData(*d, 4, {});
  d.reset();
  auto again = Open(p, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->clusters(), 2048u);
  ExpectData(*again, 4, {});
  for (uint32_t c = 4; c < 2048; ++c) ASSERT_EQ(again->Lookup(c), kUnmapped);
}

TEST(RelocateTest, GrowPadsAShortFile) {
  vz::testing::TempDir dir;
  std::string p = dir.Join("d");
  auto d = MakeDelta(p, 1);              // file: BAT + one data cluster
  auto moved = GrowDelta(*d, 16 << 20);  // 4096 entries: 5 BAT clusters
  ASSERT_TRUE(moved.has_value()) << moved.error().message();
  EXPECT_EQ(*moved, 1u);
  EXPECT_EQ(d->header().first_data_cluster(), 5u);
  EXPECT_EQ(d->Lookup(0), 5 * kCb);
  d.reset();
  auto again = Open(p, false);
  ASSERT_TRUE(again);
  ExpectData(*again, 1, {});
}

TEST(RelocateTest, GrowOfARawDelta) {
  vz::testing::TempDir dir;
  auto d = *Delta::CreateRaw(dir.Join("raw"), 64 * kCb, kSmallCluster);
  ASSERT_TRUE(GrowDelta(*d, 128 * kCb).has_value());
  EXPECT_EQ(d->virtual_bytes(), 128 * kCb);
  EXPECT_EQ(testing::FileSize(dir.Join("raw")), 128 * kCb);
}

// Kills a child process in the middle of a relocation (at the k-th cluster
// move, with a sync after every move) and checks that the delta still
// opens and holds every cluster's data.
void CrashAtEveryMove(const std::function<void(Delta&, RelocateOptions&)>& op,
                      uint32_t n, const std::set<uint32_t>& gone,
                      const std::function<void(Delta&)>& prepare) {
  for (int k = 1;; ++k) {
    vz::testing::TempDir dir;
    std::string p = dir.Join("d");
    {
      auto d = MakeDelta(p, n);
      prepare(*d);
      ASSERT_TRUE(d->Sync().ok());
    }
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto d = Open(p);
      int calls = 0;
      RelocateOptions o;
      o.sync_every_bytes = kCb;
      o.lock_cluster = [&](uint32_t) {
        if (++calls == k) ::_exit(3);
      };
      op(*d, o);
      ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    auto d = Open(p, false);
    ASSERT_TRUE(d) << "crash at move " << k;
    ExpectData(*d, n, gone);
    if (WEXITSTATUS(status) == 0) break;  // ran to the end: all points seen
  }
}

TEST(RelocateTest, CompactSurvivesACrashAtEveryStep) {
  CrashAtEveryMove(
      [](Delta& d, RelocateOptions& o) { (void)CompactDelta(d, o); }, 12,
      {0, 3, 4, 7},
      [](Delta& d) {
        for (uint32_t c : {0, 3, 4, 7}) d.Map(c, kUnmapped);
      });
}

TEST(RelocateTest, GrowSurvivesACrashAtEveryStep) {
  CrashAtEveryMove(
      [](Delta& d, RelocateOptions& o) { (void)GrowDelta(d, 16 << 20, o); }, 6,
      {}, [](Delta&) {});
}

}  // namespace
}  // namespace ploop
