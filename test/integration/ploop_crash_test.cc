// Crash safety of mounted images (issue 4 §5): the device server killed in
// the middle of a write-heavy workload, the host filesystem full, and the
// leftovers of a host crash.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "base/file_util.h"
#include "base/strings.h"
#include "ploop/check.h"
#include "ploop/lib/loop_device.h"
#include "test/integration/ploop_fixture.h"

namespace vz::testing {
namespace {

// The content of workload file `i`: recognisable and of varied size.
std::string Content(uint64_t i) {
  std::string s;
  size_t len = (i % 37 + 1) * 4096 + i % 100;
  s.reserve(len);
  while (s.size() < len) s += "file " + std::to_string(i) + " ";
  s.resize(len);
  return s;
}

// Writes files into `dir` forever; after each one is fsynced (file and
// directory), appends its number to `log` (outside the image) and fsyncs
// that: everything in the log must survive any crash.
[[noreturn]] void WriterMain(const std::string& dir, const std::string& log,
                             uint64_t first) {
  int logfd =
      ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (uint64_t i = first;; ++i) {
    std::string path = dir + "/f" + std::to_string(i), data = Content(i);
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) ::_exit(0);
    if (::write(fd, data.data(), data.size()) !=
            static_cast<ssize_t>(data.size()) ||
        ::fsync(fd) != 0 || ::fsync(dfd) != 0) {
      ::_exit(0);  // the storage went away: stop writing
    }
    ::close(fd);
    std::string line = std::to_string(i) + "\n";
    if (::write(logfd, line.data(), line.size()) < 0 || ::fsync(logfd) != 0)
      ::_exit(1);
  }
}

std::vector<uint64_t> Logged(const std::string& log) {
  std::vector<uint64_t> out;
  auto text = ReadFile(log);
  if (!text.has_value()) return out;
  for (const auto& l : SplitNonEmpty(*text, '\n'))
    out.push_back(std::stoull(l));
  return out;
}

// A small host filesystem of its own (160 MiB ext4 on a loop device) at
// `mnt`, holding a 1 GiB image with its filesystem; gone with the object.
struct SmallHost {
  const NodeRoot* node = nullptr;
  std::string mnt, dev, dd;
  std::string filler;  // what fills the host, freed first
  pid_t writer = -1;   // a test's process writing into the image
  // Also after a failed assertion: space (writes waiting for it would hold
  // up the rest for a minute), the writer, the image's mount on the host
  // filesystem, the host filesystem, its loop device, in this order.
  ~SmallHost() {
    if (!filler.empty()) ::unlink(filler.c_str());
    if (writer > 0) {
      ::kill(writer, SIGKILL);  // ours, by pid
      ::waitpid(writer, nullptr, 0);
    }
    if (node != nullptr && !dd.empty()) (void)ploop::Umount(*node, dd);
    if (!mnt.empty()) ::umount2(mnt.c_str(), 0);
    if (!dev.empty()) (void)ploop::DetachLoop(dev);
  }
  // Free bytes on the host filesystem.
  uint64_t Free() const {
    struct statvfs v {};
    return ::statvfs(mnt.c_str(), &v) == 0 ? uint64_t{v.f_bavail} * v.f_frsize
                                           : 0;
  }
};

class PloopCrashTest : public PloopFixture {
 protected:
  // A SmallHost in `h`.
  void MakeSmallHost(SmallHost& h) {
    h.node = &node_;
    const std::string small = Path("small.img");
    ASSERT_EQ(RunSubprocess({"truncate", "-s", "160M", small})->exit_code, 0);
    auto dev =
        ploop::AttachLoop(small, {.read_only = false, .direct_io = false});
    ASSERT_TRUE(dev.has_value());
    h.dev = dev->device;
    dev->fd.reset();
    ASSERT_EQ(RunSubprocess({"mkfs.ext4", "-q", h.dev})->exit_code, 0);
    h.mnt = Path("host");
    ASSERT_TRUE(MakeDirs(h.mnt).ok());
    ASSERT_EQ(::mount(h.dev.c_str(), h.mnt.c_str(), "ext4", 0, nullptr), 0);
    ploop::CreateParams p;
    p.size_bytes = uint64_t{1} << 30;
    ASSERT_TRUE(ploop::CreateImage(h.mnt + "/img", p).ok());
    h.dd = h.mnt + "/img/DiskDescriptor.xml";
    ASSERT_TRUE(ploop::CreateFilesystem(node_, h.dd, {}).ok());
  }

  // The problems a crash may leave: the in-use flag, leaked clusters and
  // an unfinished extension. Anything else is a bug.
  void RepairExpectingOnlyCrashLeftovers(const std::string& dd) {
    ploop::CheckOptions o;
    o.repair = true;
    auto r = ploop::CheckImage(dd, o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    for (const auto& f : r->findings) {
      bool expected = f.problem == ploop::Problem::kInUse ||
                      f.problem == ploop::Problem::kLeakedClusters ||
                      f.problem == ploop::Problem::kPartialTail;
      EXPECT_TRUE(expected)
          << ploop::ProblemName(f.problem) << ": " << f.message;
      EXPECT_TRUE(f.fixed) << f.message;
    }
  }

  // e2fsck -fn on the filesystem (the journal replayed by a mount first).
  void ExpectFsClean(const std::string& dd) {
    ploop::MountOptions o;
    o.mount_point = Path("replay");
    ASSERT_TRUE(ploop::Mount(node_, dd, o).has_value());
    ASSERT_TRUE(ploop::Umount(node_, dd).ok());
    auto m = ploop::Mount(node_, dd, {});
    ASSERT_TRUE(m.has_value());
    auto fsck = RunSubprocess({"e2fsck", "-fn", m->device});
    ASSERT_TRUE(fsck.has_value());
    EXPECT_EQ(fsck->exit_code, 0) << fsck->out << fsck->err;
    ASSERT_TRUE(ploop::Umount(node_, dd).ok());
  }

  void ExpectLoggedFilesIntact(const std::string& mnt, const std::string& log) {
    for (uint64_t i : Logged(log)) {
      auto data = ReadFile(mnt + "/f" + std::to_string(i));
      ASSERT_TRUE(data.has_value()) << "fsynced file " << i << " lost";
      ASSERT_EQ(*data, Content(i)) << "fsynced file " << i << " damaged";
    }
  }

  pid_t StartWriter(const std::string& dir, const std::string& log,
                    uint64_t first) {
    pid_t p = ::fork();
    if (p == 0) WriterMain(dir, log, first);
    return p;
  }

  void Reap(pid_t p) {
    ::kill(p, SIGKILL);
    ::waitpid(p, nullptr, 0);
  }
};

TEST_F(PloopCrashTest, ServerKilledMidWriteTwentyTimes) {
  std::string dd = MakeImage("img", uint64_t{2} << 30);
  std::string log = Path("written.log");
  std::mt19937 rng(42);
  uint64_t next = 0;
  ploop::MountOptions o;
  o.mount_point = Path("mnt");
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto m =
        ploop::Mount(node_, dd, o);  // repairs a left-over in-use flag itself
    ASSERT_TRUE(m.has_value()) << m.error().message();
    ExpectLoggedFilesIntact(Path("mnt"), log);
    auto logged = Logged(log);
    next = logged.empty() ? next : logged.back() + 1;
    pid_t w =
        StartWriter(Path("mnt"), log, next + 1000);  // fresh names per round
    next += 1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
    ASSERT_EQ(::kill(m->pid, SIGKILL), 0);
    Reap(w);
    ASSERT_TRUE(
        ploop::Umount(node_, dd).ok());  // cleans up after the dead server
    RepairExpectingOnlyCrashLeftovers(dd);
  }
  ExpectFsClean(dd);
  EXPECT_GT(Logged(log).size(), 20u);
}

// No space for long enough (here 1 s): writes fail, and nothing that was
// flushed before is lost; the image is clean once space returns.
// Both transports: FUSE over io_uring ("auto" here) and /dev/fuse threads
// ("off"), which a kernel before 6.14 (Debian 12's) uses.
class PloopNoSpaceTest : public PloopCrashTest,
                         public ::testing::WithParamInterface<const char*> {};
INSTANTIATE_TEST_SUITE_P(Transports, PloopNoSpaceTest,
                         ::testing::Values("auto", "off"));

TEST_P(PloopNoSpaceTest, HostFilesystemFullThenSpaceReturns) {
  SmallHost host;
  ASSERT_NO_FATAL_FAILURE(MakeSmallHost(host));
  host.filler = host.mnt + "/filler";
  ASSERT_EQ(RunSubprocess({"fallocate", "-l", "40M", host.filler})->exit_code,
            0);
  ploop::MountOptions o;
  o.mount_point = Path("mnt");
  o.uring = GetParam();
  o.nospace_wait_s = 1;
  ASSERT_TRUE(ploop::Mount(node_, host.dd, o).has_value());
  std::string log = Path("written.log");
  pid_t w = StartWriter(Path("mnt"), log, 0);
  host.writer = w;
  int status = 0;
  ::waitpid(w, &status, 0);  // it stops at the first failed write or fsync
  host.writer = -1;
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_GT(Logged(log).size(), 10u);
  ExpectLoggedFilesIntact(Path("mnt"), log);    // nothing flushed is lost
  ASSERT_EQ(::unlink(host.filler.c_str()), 0);  // space returns
  ASSERT_TRUE(ploop::Umount(node_, host.dd).ok());
  auto r = ploop::CheckImage(host.dd, ploop::CheckOptions{});
  ASSERT_TRUE(r.has_value());
  for (const auto& f : r->findings)
    ADD_FAILURE() << "after ENOSPC: " << f.message;
  ASSERT_TRUE(ploop::Mount(node_, host.dd, o).has_value());
  ExpectLoggedFilesIntact(Path("mnt"), log);
  ASSERT_TRUE(ploop::Umount(node_, host.dd).ok());
}

// Space freed while writes wait for it (the default wait, 60 s): the
// writer sees a stall, not an error, and its data is all there, read back
// from the image after a remount. The host stays full for 3 s, longer than
// the server's idle-memory release (2 s) that must spare held writes.
TEST_P(PloopNoSpaceTest, WritesWaitForSpaceFreedOnAFullHost) {
  SmallHost host;
  ASSERT_NO_FATAL_FAILURE(MakeSmallHost(host));
  const std::string src = Path("src");
  ASSERT_EQ(RunSubprocess({"dd", "if=/dev/urandom", "of=" + src, "bs=1M",
                           "count=48", "status=none"})
                ->exit_code,
            0);
  ploop::MountOptions o;
  o.mount_point = Path("mnt");
  o.uring = GetParam();
  auto m = ploop::Mount(node_, host.dd, o);
  ASSERT_TRUE(m.has_value());
  // Leave 24 MiB free, then write 48 MiB and flush them.
  const uint64_t mib = uint64_t{1} << 20;
  ASSERT_GT(host.Free(), 40 * mib);
  host.filler = host.mnt + "/filler";
  ASSERT_EQ(RunSubprocess({"fallocate", "-l",
                           std::to_string(host.Free() - 24 * mib), host.filler})
                ->exit_code,
            0);
  host.writer = ::fork();
  if (host.writer == 0) {
    const std::string in = "if=" + src, of = "of=" + Path("mnt/big");
    ::execlp("dd", "dd", in.c_str(), of.c_str(), "bs=1M", "conv=fsync",
             "status=none", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(host.writer, 0);
  // The host fills up and the writer waits (it has not failed).
  bool full = false;
  for (int i = 0; i < 300 && !full; ++i) {
    full = host.Free() < mib;
    if (!full) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(full);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  int status = 0;
  EXPECT_EQ(::waitpid(host.writer, &status, WNOHANG), 0)
      << "dd ended on a full host";
  ASSERT_EQ(::unlink(host.filler.c_str()), 0);  // the admin frees space
  ASSERT_EQ(::waitpid(host.writer, &status, 0), host.writer);
  host.writer = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const std::string log = ReadFile(m->state_dir + "/server.log").value_or("");
  EXPECT_NE(log.find("its writes wait for space"), std::string::npos) << log;
  EXPECT_NE(log.find("space again on the host"), std::string::npos) << log;
  ASSERT_TRUE(ploop::Umount(node_, host.dd).ok());
  // The server's log went with the mount; what it said is kept.
  const std::string kept =
      ReadFile(node_.Path("/var/log/ploop.log")).value_or("");
  EXPECT_NE(kept.find(host.dd), std::string::npos) << kept;
  EXPECT_NE(kept.find("its writes wait for space"), std::string::npos) << kept;
  EXPECT_NE(kept.find("space again on the host"), std::string::npos) << kept;
  EXPECT_EQ(kept.find(" info: "), std::string::npos) << kept;
  auto r = ploop::CheckImage(host.dd, ploop::CheckOptions{});
  ASSERT_TRUE(r.has_value());
  for (const auto& f : r->findings) ADD_FAILURE() << f.message;
  // What the image holds, not the page cache of the first mount.
  ASSERT_TRUE(ploop::Mount(node_, host.dd, o).has_value());
  EXPECT_EQ(RunSubprocess({"cmp", src, Path("mnt/big")})->exit_code, 0);
  ASSERT_TRUE(ploop::Umount(node_, host.dd).ok());
}

TEST_F(PloopCrashTest, LeftoversOfAHostCrashAreCleanedAtTheNextMount) {
  std::string dd = MakeImage("img");
  ploop::MountOptions o;
  o.mount_point = Path("mnt");
  auto m = ploop::Mount(node_, dd, o);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(WriteFileAtomic(Path("mnt/x"), "survives\n").ok());
  // A power cut: the server dies, and the reboot takes the kernel objects
  // (mounts, loop device) with it; state files and the in-use flag stay.
  ASSERT_EQ(::kill(m->pid, SIGKILL), 0);

  ::umount2(Path("mnt").c_str(), MNT_DETACH);
  (void)ploop::DetachLoop(m->device);
  ploop::WaitLoopFree(m->device, 5000);
  ::umount2(m->fuse_dir.c_str(), MNT_DETACH);
  ASSERT_TRUE(PathExists(m->state_dir));
  auto again = ploop::Mount(node_, dd, o);
  ASSERT_TRUE(again.has_value()) << again.error().message();
  EXPECT_NE(again->pid, m->pid);
  EXPECT_EQ(*ReadFile(Path("mnt/x")), "survives\n");
  EXPECT_EQ(ploop::ListMounts(node_)->size(), 1u);
}

TEST_F(PloopCrashTest, MountAfterADeadServerWithMountsStillInPlace) {
  std::string dd = MakeImage("img");
  ploop::MountOptions o;
  o.mount_point = Path("mnt");
  auto m = ploop::Mount(node_, dd, o);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(::kill(m->pid, SIGKILL), 0);
  for (int i = 0; i < 100 && (*ploop::ListMounts(node_))[0].alive; ++i)
    ::usleep(10000);
  auto again =
      ploop::Mount(node_, dd, o);  // finds the stale mount, cleans, repairs
  ASSERT_TRUE(again.has_value()) << again.error().message();
  EXPECT_TRUE(again->alive);
}

}  // namespace
}  // namespace vz::testing
