#include "ploop/server/block_engine.h"

#include <fcntl.h>

#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"
#include "ploop/image.h"
#include "ploop/lib/stack.h"

namespace ploop::server {
namespace {

constexpr uint64_t kCb = 64 * 1024;  // 128-sector clusters keep files small

class BlockEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CreateParams p;
    p.size_bytes = 4 << 20;
    p.cluster_sectors = 128;
    ASSERT_TRUE(CreateImage(dir_.path(), p).ok());
    image_ = std::move(Image::Open(dir_.path(), {})).value();
    engine_ = std::make_unique<BlockEngine>(image_.get());
    ASSERT_TRUE(engine_->RescanPartition().ok());
  }
  void Run(const std::vector<IoOp>& ops) {
    for (const IoOp& op : ops) {
      ssize_t n =
          op.write
              ? ::pwrite(op.fd, op.buf, op.len, static_cast<off_t>(op.offset))
              : ::pread(op.fd, op.buf, op.len, static_cast<off_t>(op.offset));
      ASSERT_EQ(n, static_cast<ssize_t>(op.len));
    }
  }
  std::vector<uint8_t> ReadBack(uint64_t off, uint32_t len) {
    std::vector<uint8_t> buf(len);
    std::vector<IoOp> ops;
    EXPECT_EQ(engine_->PlanRead(off, buf.data(), len, &ops), 0);
    Run(ops);
    return buf;
  }

  vz::testing::TempDir dir_;
  std::unique_ptr<Image> image_;
  std::unique_ptr<BlockEngine> engine_;
};

TEST_F(BlockEngineTest, NoGptMeansPartIsTheWholeDisk) {
  EXPECT_EQ(engine_->FileSize(kImageIno), 4u << 20);
  EXPECT_EQ(engine_->FileSize(kPartIno), 4u << 20);
  uint64_t disk = 0;
  EXPECT_EQ(engine_->ToDisk(kPartIno, 4096, 4096, &disk), 0);
  EXPECT_EQ(disk, 4096u);
  EXPECT_EQ(engine_->ToDisk(kPartIno, (4 << 20) - 4096, 8192, &disk), -ENOSPC);
}

TEST_F(BlockEngineTest, UnmappedReadsAreZerosWithoutIo) {
  std::vector<uint8_t> buf(8192, 0xff);
  std::vector<IoOp> ops;
  EXPECT_EQ(engine_->PlanRead(0, buf.data(), 8192, &ops), 0);
  EXPECT_TRUE(ops.empty());
  EXPECT_TRUE(IsZero(buf.data(), buf.size()));
}

TEST_F(BlockEngineTest, WritesAllocateThenGoInPlace) {
  std::vector<uint8_t> data(8192, 0x11);
  std::vector<IoOp> ops;
  // First write to a cluster: allocated and written by the engine itself.
  EXPECT_EQ(engine_->PlanWrite(kCb, data.data(), 8192, &ops), 0);
  EXPECT_TRUE(ops.empty());
  // Second: an in-place op for the transport to run.
  std::fill(data.begin(), data.end(), 0x22);
  EXPECT_EQ(engine_->PlanWrite(kCb + 4096, data.data(), 8192, &ops), 0);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_TRUE(ops[0].write);
  Run(ops);
  auto back = ReadBack(kCb, 12288);
  EXPECT_EQ(back[0], 0x11);
  EXPECT_EQ(back[4096], 0x22);
  EXPECT_EQ(back[12287], 0x22);
}

TEST_F(BlockEngineTest, ContiguousPiecesBecomeOneOp) {
  std::vector<uint8_t> data(2 * kCb, 0x33);
  std::vector<IoOp> ops;
  ASSERT_EQ(engine_->PlanWrite(0, data.data(), 2 * kCb, &ops),
            0);  // allocates 2 clusters in order
  ops.clear();
  ASSERT_EQ(engine_->PlanWrite(0, data.data(), 2 * kCb, &ops), 0);
  EXPECT_EQ(ops.size(),
            1u);  // the two clusters sit next to each other in the file
}

TEST_F(BlockEngineTest, ZeroRangeIsFreeWhereNothingIsMapped) {
  uint64_t head = image_->stack().top().alloc_head();
  EXPECT_EQ(engine_->ZeroRange(0, 1 << 20), 0);
  EXPECT_EQ(image_->stack().top().alloc_head(), head);
  std::vector<uint8_t> data(4096, 0x44);
  std::vector<IoOp> ops;
  ASSERT_EQ(engine_->PlanWrite(0, data.data(), 4096, &ops), 0);
  EXPECT_EQ(engine_->ZeroRange(0, 4096), 0);
  EXPECT_TRUE(IsZero(ReadBack(0, 4096).data(), 4096));
}

TEST_F(BlockEngineTest, UnalignedRequestsGoThroughBounceBuffers) {
  std::string msg = "GPT-like header bytes";
  EXPECT_FALSE(BlockEngine::Aligned(512 + 7, msg.size(), msg.data()));
  ASSERT_EQ(engine_->UnalignedWrite(
                512 + 7, reinterpret_cast<const uint8_t*>(msg.data()),
                static_cast<uint32_t>(msg.size())),
            0);
  std::string back(msg.size(), '\0');
  ASSERT_EQ(
      engine_->UnalignedRead(512 + 7, reinterpret_cast<uint8_t*>(back.data()),
                             static_cast<uint32_t>(back.size())),
      0);
  EXPECT_EQ(back, msg);
  auto around = ReadBack(0, 4096);
  EXPECT_EQ(around[512 + 6], 0);
  EXPECT_EQ(around[512 + 7], 'G');
}

TEST_F(BlockEngineTest, DiscardsAreTrackedOnlyForTopClusters) {
  engine_->Discard(0, 4 << 20);  // nothing mapped: nothing tracked
  EXPECT_TRUE(engine_->discards().FullyDiscarded().empty());
  std::vector<uint8_t> data(kCb, 0x55);
  std::vector<IoOp> ops;
  ASSERT_EQ(engine_->PlanWrite(2 * kCb, data.data(), kCb, &ops), 0);
  engine_->Discard(0, 4 << 20);
  EXPECT_EQ(engine_->discards().FullyDiscarded(), (std::vector<uint32_t>{2}));
}

TEST_F(BlockEngineTest, IoPriorityMapsToTheBestEffortClass) {
  EXPECT_EQ(engine_->priority(), 4);
  EXPECT_EQ(engine_->kernel_ioprio(), (2 << 13) | 3);
  engine_->set_priority(7);
  EXPECT_EQ(engine_->kernel_ioprio(), (2 << 13) | 0);
}

// The server's image: the top is written O_DIRECT and read through the page
// cache. A direct write must not leave a stale cached page behind: read,
// overwrite in place, read again.
TEST(BlockEngineDirectTest, ReadsAreCachedAndSeeDirectWrites) {
  vz::testing::TempDir dir;
  CreateParams cp;
  cp.size_bytes = 4 << 20;
  cp.cluster_sectors = 128;
  ASSERT_TRUE(CreateImage(dir.path(), cp).ok());
  OpenParams op;
  op.direct_io = true;
  auto image = std::move(Image::Open(dir.path(), op)).value();
  BlockEngine engine(image.get());
  void* mem = nullptr;
  ASSERT_EQ(::posix_memalign(&mem, 4096, 2 * 8192), 0);
  std::unique_ptr<uint8_t, decltype(&std::free)> hold(
      static_cast<uint8_t*>(mem), std::free);
  uint8_t* data = hold.get();
  uint8_t* back = data + 8192;
  auto run = [](const std::vector<IoOp>& ops) {
    for (const IoOp& o : ops) {
      ssize_t n = o.write ? ::pwrite(o.fd, o.buf, o.len, o.offset)
                          : ::pread(o.fd, o.buf, o.len, o.offset);
      ASSERT_EQ(n, static_cast<ssize_t>(o.len));
    }
  };
  std::vector<IoOp> ops;
  std::memset(data, 0x11, 8192);
  ASSERT_EQ(engine.PlanWrite(kCb, data, 8192, &ops), 0);  // allocates
  ASSERT_EQ(engine.PlanRead(kCb, back, 8192, &ops), 0);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(::fcntl(ops[0].fd, F_GETFL) & O_DIRECT, 0);  // cached read
  run(ops);
  EXPECT_EQ(back[0], 0x11);
  ops.clear();
  std::memset(data, 0x22, 8192);
  ASSERT_EQ(engine.PlanWrite(kCb, data, 8192, &ops), 0);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_NE(::fcntl(ops[0].fd, F_GETFL) & O_DIRECT, 0);  // direct write
  run(ops);
  ops.clear();
  std::memset(back, 0, 8192);
  ASSERT_EQ(engine.PlanRead(kCb, back, 8192, &ops), 0);
  run(ops);
  EXPECT_EQ(back[0], 0x22);
  EXPECT_EQ(back[8191], 0x22);
}

}  // namespace
}  // namespace ploop::server
