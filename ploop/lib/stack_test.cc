#include "ploop/lib/stack.h"

#include <random>

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"

namespace ploop {
namespace {

constexpr uint32_t kSmall = 8;
constexpr uint64_t kCb = 4096;
constexpr uint64_t kSize = 64 * kCb;

// Builds a stack of `n` expanded deltas; `fill(level, delta)` may write
// into each delta before the next one goes on top.
class StackFixture : public ::testing::Test {
 protected:
  std::unique_ptr<DeltaStack> Build(int n) {
    std::vector<std::unique_ptr<Delta>> ds;
    for (int i = 0; i < n; ++i) {
      auto d = Delta::CreateExpanded(dir_.Join("d" + std::to_string(next_++)),
                                     kSize, kSmall, Version::kV2);
      EXPECT_TRUE(d.has_value());
      ds.push_back(std::move(d).value());
    }
    return std::move(DeltaStack::Make(std::move(ds), kSize)).value();
  }

  // Writes `byte` over [off, off+len) of delta `level` directly.
  void Put(DeltaStack& s, size_t level, uint64_t off, size_t len,
           uint8_t byte) {
    Delta& d = s.delta(level);
    std::vector<uint8_t> buf(len, byte);
    while (len) {
      uint32_t c = static_cast<uint32_t>(off / kCb);
      uint64_t in = off % kCb;
      size_t n = std::min<size_t>(len, kCb - in);
      uint64_t at = d.Lookup(c);
      if (at == kUnmapped) {  // copy up what the levels below hold, as a
                              // snapshot would
        std::vector<uint8_t> old(kCb, 0);
        Location below = s.Locate(c, static_cast<int>(level) - 1);
        if (level > 0 && below.level >= 0) {
          ASSERT_TRUE(s.delta(static_cast<size_t>(below.level))
                          .ReadAt(below.offset, old.data(), kCb)
                          .ok());
        }
        at = *d.AllocateCluster();
        ASSERT_TRUE(d.WriteAt(at, old.data(), kCb).ok());
        d.Map(c, at);
      }
      ASSERT_TRUE(d.WriteAt(at + in, buf.data(), n).ok());
      off += n;
      len -= n;
    }
  }

  vz::testing::TempDir dir_;
  int next_ = 0;
};

TEST_F(StackFixture, ReadsFallThroughAcrossClusterBoundaries) {
  auto s = Build(3);
  Put(*s, 0, 0, 3 * kCb, 0x11);         // base: clusters 0-2
  Put(*s, 1, kCb, kCb, 0x22);           // middle: cluster 1
  Put(*s, 2, 2 * kCb + 100, 50, 0x33);  // top: part of cluster 2
  std::vector<uint8_t> buf(4 * kCb);
  ASSERT_TRUE(s->Read(kCb / 2, buf.data(), 3 * kCb).ok());
  EXPECT_EQ(buf[0], 0x11);              // cluster 0 from base
  EXPECT_EQ(buf[kCb / 2], 0x22);        // cluster 1 from middle
  EXPECT_EQ(buf[kCb / 2 + kCb], 0x11);  // cluster 2 from top (copied up)
  EXPECT_EQ(buf[kCb / 2 + kCb + 100], 0x33);
  EXPECT_EQ(buf[3 * kCb - 1], 0);  // cluster 3: nobody maps it
  EXPECT_EQ(s->Locate(0).level, 0);
  EXPECT_EQ(s->Locate(1).level, 1);
  EXPECT_EQ(s->Locate(1, 0).level, 0);
  EXPECT_EQ(s->Locate(5).level, -1);
}

TEST_F(StackFixture, PartialWriteCopiesTheLowerClusterUp) {
  auto s = Build(2);
  Put(*s, 0, 0, kCb, 0x11);
  std::vector<uint8_t> data(10, 0x99);
  ASSERT_TRUE(s->Write(20, data.data(), data.size()).ok());
  EXPECT_NE(s->top().Lookup(0), kUnmapped);
  std::vector<uint8_t> buf(kCb);
  ASSERT_TRUE(s->Read(0, buf.data(), kCb).ok());
  EXPECT_EQ(buf[19], 0x11);
  EXPECT_EQ(buf[20], 0x99);
  EXPECT_EQ(buf[30], 0x11);
  // The base is untouched.
  ASSERT_TRUE(
      s->delta(0).ReadAt(s->delta(0).Lookup(0) + 20, buf.data(), 1).ok());
  EXPECT_EQ(buf[0], 0x11);
}

TEST_F(StackFixture, ZerosAreFreeWhereNothingIsMapped) {
  auto s = Build(2);
  Put(*s, 0, kCb, kCb, 0x11);
  std::vector<uint8_t> zeros(3 * kCb, 0);
  uint64_t head = s->top().alloc_head();
  ASSERT_TRUE(
      s->Write(0, zeros.data(), kCb).ok());  // cluster 0: unmapped everywhere
  EXPECT_EQ(s->top().alloc_head(), head);
  EXPECT_EQ(s->top().Lookup(0), kUnmapped);
  ASSERT_TRUE(
      s->Write(kCb, zeros.data(), kCb).ok());  // cluster 1: base has data
  EXPECT_NE(s->top().Lookup(1), kUnmapped);
  std::vector<uint8_t> buf(kCb, 1);
  ASSERT_TRUE(s->Read(kCb, buf.data(), kCb).ok());
  EXPECT_TRUE(IsZero(buf.data(), kCb));
}

TEST_F(StackFixture, FreshClustersGetOnlyTheirDataWritten) {
  auto s = Build(1);
  std::vector<uint8_t> data(512, 0x5a);
  ASSERT_TRUE(s->Write(kCb + 1024, data.data(), data.size()).ok());
  std::vector<uint8_t> buf(kCb, 1);
  ASSERT_TRUE(s->Read(kCb, buf.data(), kCb).ok());
  EXPECT_EQ(buf[1023], 0);
  EXPECT_EQ(buf[1024], 0x5a);
  EXPECT_EQ(buf[1535], 0x5a);
  EXPECT_EQ(buf[1536], 0);
  EXPECT_EQ(buf[kCb - 1], 0);
}

TEST_F(StackFixture, OutOfRange) {
  auto s = Build(1);
  uint8_t b = 0;
  EXPECT_EQ(s->Read(kSize, &b, 1).code(), vz::Code::kOutOfRange);
  EXPECT_EQ(s->Write(kSize - 1, &b, 2).code(), vz::Code::kOutOfRange);
  EXPECT_TRUE(s->Read(kSize - 1, &b, 1).ok());
}

TEST_F(StackFixture, MatchesAModelUnderRandomIo) {
  for (int depth : {1, 2, 8}) {
    auto s = Build(depth);
    std::vector<uint8_t> model(kSize, 0);
    std::mt19937 rng(1234 + depth);
    // Lower deltas get random contents first (as snapshots would have).
    for (int level = 0; level + 1 < depth; ++level) {
      for (int i = 0; i < 10; ++i) {
        uint64_t off = rng() % (kSize - 1);
        size_t len = 1 + rng() % std::min<uint64_t>(3 * kCb, kSize - off - 1);
        uint8_t v = static_cast<uint8_t>(rng());
        Put(*s, static_cast<size_t>(level), off, len, v);
        std::fill(model.begin() + static_cast<long>(off),
                  model.begin() + static_cast<long>(off + len), v);
      }
    }
    for (int i = 0; i < 300; ++i) {
      uint64_t off = rng() % (kSize - 1);
      size_t len = 1 + rng() % std::min<uint64_t>(3 * kCb, kSize - off - 1);
      if (rng() % 2) {
        std::vector<uint8_t> data(len);
        bool zeros = rng() % 4 == 0;
        for (auto& b : data) b = zeros ? 0 : static_cast<uint8_t>(rng());
        ASSERT_TRUE(s->Write(off, data.data(), len).ok());
        std::copy(data.begin(), data.end(),
                  model.begin() + static_cast<long>(off));
      } else {
        std::vector<uint8_t> got(len);
        ASSERT_TRUE(s->Read(off, got.data(), len).ok());
        ASSERT_TRUE(std::equal(got.begin(), got.end(),
                               model.begin() + static_cast<long>(off)))
            << "depth " << depth << " op " << i;
      }
    }
    ASSERT_TRUE(s->Flush().ok());
  }
}

}  // namespace
}  // namespace ploop
