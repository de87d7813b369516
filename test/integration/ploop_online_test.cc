// Operations on mounted images through the device server: online snapshot,
// grow, offline shrink, compact, I/O limits and statistics.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/file_util.h"
#include "ploop/check.h"
#include "ploop/control_client.h"
#include "ploop/ops.h"
#include "ploop/snapshot.h"
#include "test/integration/ploop_fixture.h"

namespace vz::testing {
namespace {

class PloopOnlineTest : public PloopFixture {
 protected:
  ploop::MountInfo MountAt(const std::string& dd, const std::string& mnt) {
    ploop::MountOptions o;
    o.mount_point = Path(mnt);
    auto m = ploop::Mount(node_, dd, o);
    EXPECT_TRUE(m.has_value()) << m.error().message();
    return m.has_value() ? *m : ploop::MountInfo{};
  }
  void WriteFile(const std::string& path, size_t mib, char fill) {
    std::string block(1 << 20, fill);
    std::string data;
    for (size_t i = 0; i < mib; ++i) data += block;
    ASSERT_TRUE(WriteFileAtomic(path, data).ok());  // fsynced
  }
  uint64_t FsBytes(const std::string& mnt) {
    struct statvfs s;
    EXPECT_EQ(::statvfs(Path(mnt).c_str(), &s), 0);
    return uint64_t{s.f_blocks} * s.f_frsize;
  }
  uint64_t FileBytes(const std::string& p) {
    struct stat st;
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return static_cast<uint64_t>(st.st_size);
  }
  void ExpectClean(const std::string& dd) {
    auto r = ploop::CheckImage(dd, ploop::CheckOptions{});
    ASSERT_TRUE(r.has_value()) << r.error().message();
    for (const auto& f : r->findings)
      ADD_FAILURE() << f.file << ": " << f.message;
  }
};

TEST_F(PloopOnlineTest, OnlineSnapshotCapturesAConsistentFilesystem) {
  std::string dd = MakeImage("img");
  MountAt(dd, "mnt");
  WriteFile(Path("mnt/before"), 8, 'b');
  auto snap = ploop::SnapshotImage(node_, dd, {});
  ASSERT_TRUE(snap.has_value()) << snap.error().message();
  EXPECT_TRUE(snap->online);
  std::cout << "online snapshot held I/O for " << snap->duration_us << " us\n";
  WriteFile(Path("mnt/after"), 8, 'a');
  ASSERT_TRUE(ploop::Umount(node_, dd).ok());
  ExpectClean(dd);
  // Back to the snapshot: what was written before is there, after is not.
  ASSERT_TRUE(ploop::SwitchImageSnapshot(node_, dd, snap->guid).ok());
  MountAt(dd, "mnt");
  EXPECT_EQ(FileBytes(Path("mnt/before")), 8u << 20);
  EXPECT_FALSE(PathExists(Path("mnt/after")));
  ASSERT_TRUE(ploop::Umount(node_, dd).ok());
}

TEST_F(PloopOnlineTest, OnlineMergeKeepsData) {
  std::string dd = MakeImage("img");
  MountAt(dd, "mnt");
  WriteFile(Path("mnt/one"), 4, '1');
  ASSERT_TRUE(ploop::SnapshotImage(node_, dd, {}).has_value());
  WriteFile(Path("mnt/two"), 4, '2');
  auto merged =
      ploop::MergeImageSnapshot(node_, dd, std::nullopt, /*all=*/true);
  ASSERT_TRUE(merged.has_value()) << merged.error().message();
  WriteFile(Path("mnt/three"), 4, '3');
  ASSERT_TRUE(ploop::Umount(node_, dd).ok());
  EXPECT_EQ(ploop::ListSnapshots(dd)->size(), 1u);
  ExpectClean(dd);
  MountAt(dd, "mnt");
  for (const char* f : {"one", "two", "three"})
    EXPECT_EQ(FileBytes(Path(std::string("mnt/") + f)), 4u << 20);
}

TEST_F(PloopOnlineTest, OnlineGrowAndOfflineShrink) {
  std::string dd = MakeImage("img", uint64_t{1} << 30);
  MountAt(dd, "mnt");
  WriteFile(Path("mnt/data"), 64, 'd');
  uint64_t before = FsBytes("mnt");
  auto grown = ploop::ResizeImageWithFs(node_, dd, uint64_t{2} << 30);
  if (!grown.has_value()) {
    // Without CAP_SYS_RESOURCE (this VM) ext4 cannot grow online; the disk
    // has grown and the filesystem follows at the next mount.
    ASSERT_NE(grown.error().message().find("CAP_SYS_RESOURCE"),
              std::string::npos)
        << grown.error().message();
    ASSERT_TRUE(ploop::Umount(node_, dd).ok());
    MountAt(dd, "mnt");
  }
  EXPECT_GT(FsBytes("mnt"), before + (900u << 20));
  ASSERT_TRUE(ploop::Umount(node_, dd).ok());
  ExpectClean(dd);

  auto shrunk = ploop::ResizeImageWithFs(node_, dd, uint64_t{512} << 20);
  ASSERT_TRUE(shrunk.has_value()) << shrunk.error().message();
  EXPECT_FALSE(shrunk->online);
  ExpectClean(dd);
  MountAt(dd, "mnt");
  EXPECT_LT(FsBytes("mnt"), 512u << 20);
  EXPECT_EQ(FileBytes(Path("mnt/data")), 64u << 20);
  // A mounted image does not shrink.
  auto refused = ploop::ResizeImageWithFs(node_, dd, uint64_t{256} << 20);
  EXPECT_FALSE(refused.has_value());
  // Grown again offline: the shrink left a whole GPT for the smaller disk
  // (a relocated backup table is not enough, sfdisk no longer read it and
  // the partition, so the filesystem, stayed small).
  ASSERT_TRUE(ploop::Umount(node_, dd).ok());
  auto again = ploop::ResizeImageWithFs(node_, dd, uint64_t{1} << 30);
  ASSERT_TRUE(again.has_value()) << again.error().message();
  MountAt(dd, "mnt");
  EXPECT_GT(FsBytes("mnt"), 900u << 20);
  EXPECT_EQ(FileBytes(Path("mnt/data")), 64u << 20);
}

TEST_F(PloopOnlineTest, CompactGivesBackDeletedData) {
  std::string dd = MakeImage("img");
  MountAt(dd, "mnt");
  WriteFile(Path("mnt/keep"), 32, 'k');
  WriteFile(Path("mnt/drop"), 200, 'x');
  uint64_t big = FileBytes(Path("img/root.hds"));
  ASSERT_EQ(::unlink(Path("mnt/drop").c_str()), 0);
  ::sync();
  auto r = ploop::CompactImage(node_, dd);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_GE(r->reclaimed_bytes, 150u << 20);
  EXPECT_LE(FileBytes(Path("img/root.hds")), big - (150u << 20));
  EXPECT_EQ(*ReadFile(Path("mnt/keep"), 64 << 20), std::string(32u << 20, 'k'));
  ASSERT_TRUE(ploop::Umount(node_, dd).ok());
  ExpectClean(dd);
}

TEST_F(PloopOnlineTest, CompactKeepsClustersThatShadowASnapshot) {
  std::string dd = MakeImage("img");
  MountAt(dd, "mnt");
  WriteFile(Path("mnt/old"), 50, 'o');
  ASSERT_TRUE(ploop::SnapshotImage(node_, dd, {}).has_value());
  {  // rewritten in place: the top's clusters now shadow the snapshot's
    int fd = ::open(Path("mnt/old").c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::string block(1 << 20, 'n');
    for (int i = 0; i < 50; ++i)
      ASSERT_EQ(::write(fd, block.data(), block.size()), 1 << 20);
    ASSERT_EQ(::fsync(fd), 0);
    ::close(fd);
  }
  ASSERT_EQ(::unlink(Path("mnt/old").c_str()), 0);
  ::sync();
  auto r = ploop::CompactImage(node_, dd);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_GT(r->kept_shadowing_clusters, 0u);
}

TEST_F(PloopOnlineTest, IoLimitHoldsAndStatsCount) {
  std::string dd = MakeImage("img");
  auto m = MountAt(dd, "mnt");
  auto c = ploop::ControlClient::Connect(m.control);
  ASSERT_TRUE(c.has_value());
  ploop::ControlMessage lim{"iolimit", {}};
  lim.Set("bytes_per_sec", std::to_string(8 << 20));
  ASSERT_TRUE((*c)->Call(lim).has_value());
  auto stat = [&](const char* key) {
    auto s = (*c)->Call(ploop::ControlMessage{"stat", {}});
    return std::stoull(s->Get(key).value_or("0"));
  };
  uint64_t before = stat("write_bytes");
  auto start = std::chrono::steady_clock::now();
  // fio is the workload the issue names: 4 s of direct sequential writes.
  auto fio = RunSubprocess({"fio", "--name=w", "--directory=" + Path("mnt"),
                            "--size=256M", "--rw=write", "--bs=1M",
                            "--direct=1", "--ioengine=libaio", "--iodepth=8",
                            "--runtime=4", "--time_based"});
  ASSERT_TRUE(fio.has_value());
  ASSERT_EQ(fio->exit_code, 0) << fio->err;
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  double rate = static_cast<double>(stat("write_bytes") - before) / secs;
  // One burst (1 s worth) on top of the limit at most; and it is not stuck.
  EXPECT_LT(rate, 8.0 * (1 << 20) * (1 + 1.0 / secs) * 1.1);
  EXPECT_GT(rate, 4.0 * (1 << 20));
  EXPECT_GT(stat("throttled_ops"), 0u);
  ploop::ControlMessage bad{"iolimit", {}};
  bad.Set("bytes_per_sec", "999999999999999");
  auto refused = (*c)->Call(bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().exit_code(), 38);
}

// A write that waits for I/O limit tokens longer than the server's idle
// spell (2 s, after which it hands its buffers back to the kernel) keeps
// its data: read back after a remount, it is what was written. (The
// release used to take every buffer, and such a write wrote zeros.)
TEST_F(PloopOnlineTest, AWriteWaitingForItsIoLimitKeepsItsData) {
  std::string dd = MakeImage("img");
  // No lazy inode table init: its writes would take the tokens and, as new
  // requests, keep the server from going idle.
  ploop::MountOptions o;
  o.mount_point = Path("mnt");
  o.fs_options = "noinit_itable";
  auto m = ploop::Mount(node_, dd, o);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  auto c = ploop::ControlClient::Connect(m->control);
  ASSERT_TRUE(c.has_value());
  ploop::ControlMessage lim{"iolimit", {}};
  lim.Set("bytes_per_sec", std::to_string(256 << 10));
  ASSERT_TRUE((*c)->Call(lim).has_value());
  const std::string src = Path("src");
  ASSERT_EQ(RunSubprocess({"dd", "if=/dev/urandom", "of=" + src, "bs=1M",
                           "count=2", "status=none"})
                ->exit_code,
            0);
  // Two 1 MiB direct writes: the second waits about 4 s for its tokens.
  auto w = RunSubprocess({"dd", "if=" + src, "of=" + Path("mnt/data"), "bs=1M",
                          "oflag=direct", "status=none"});
  ASSERT_TRUE(w.has_value());
  ASSERT_EQ(w->exit_code, 0) << w->err;
  lim.Set("bytes_per_sec", "0");  // the unmount's flush at full speed
  ASSERT_TRUE((*c)->Call(lim).has_value());
  c->reset();  // the control socket serves one client at a time
  ASSERT_TRUE(ploop::Umount(node_, dd).ok());
  MountAt(dd, "mnt");
  EXPECT_EQ(RunSubprocess({"cmp", src, Path("mnt/data")})->exit_code, 0);
}

}  // namespace

}  // namespace vz::testing
