// Device servers run in the node's own cgroups, whoever starts them, and
// keep serving while a container's cgroup is under memory pressure or
// OOM-kills inside (DESIGN §3).
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "base/file_util.h"
#include "base/strings.h"
#include "test/integration/ploop_fixture.h"

namespace vz::testing {
namespace {

constexpr char kMemcg[] = "/sys/fs/cgroup/memory";

std::string MemoryCgroupOf(pid_t pid) {
  auto text = ReadFile("/proc/" + std::to_string(pid) + "/cgroup");
  if (!text.has_value()) return "?";
  for (const auto& line : SplitNonEmpty(*text, '\n')) {
    auto parts = Split(line, ':');
    if (parts.size() == 3 && (parts[1] == "memory" || parts[1].empty()))
      return parts[2];
  }
  return "?";
}

// The server moves to the root cgroups right after it reports ready (a
// move waits for an RCU grace period, which the mount need not wait for):
// its memory cgroup once it has, or after 5 s.
std::string SettledMemoryCgroupOf(pid_t pid) {
  std::string cg = MemoryCgroupOf(pid);
  for (int i = 0; i < 500 && cg != "/"; ++i) {
    ::usleep(10000);
    cg = MemoryCgroupOf(pid);
  }
  return cg;
}

class PloopPressureTest : public PloopFixture {
 protected:
  void SetUp() override {
    PloopFixture::SetUp();
    if (IsSkipped()) return;
    if (!PathExists(std::string(kMemcg) + "/cgroup.procs"))
      GTEST_SKIP() << "no v1 memory cgroup here";
    cg_ =
        std::string(kMemcg) + "/vz-test-pressure-" + std::to_string(::getpid());
    ASSERT_EQ(::mkdir(cg_.c_str(), 0755), 0);
    ASSERT_TRUE(
        WriteFileAtomic(cg_ + "/memory.limit_in_bytes", "48M").ok() ||
        ::system(("echo 48M > " + cg_ + "/memory.limit_in_bytes").c_str()) ==
            0);
  }
  void TearDown() override {
    PloopFixture::TearDown();
    if (!cg_.empty()) {
      for (int i = 0; i < 100 && ::rmdir(cg_.c_str()) != 0; ++i)
        ::usleep(20000);
    }
  }
  // Runs `argv` from inside the test cgroup (the "container").
  int RunInCgroup(const std::vector<std::string>& argv) {
    pid_t p = ::fork();
    if (p == 0) {
      std::string me = std::to_string(::getpid());
      int fd = ::open((cg_ + "/cgroup.procs").c_str(), O_WRONLY);
      if (fd < 0 || ::write(fd, me.data(), me.size()) < 0) ::_exit(120);
      ::close(fd);
      std::vector<char*> a;
      for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      ::execvp(a[0], a.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(p, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string cg_;
};

TEST_F(PloopPressureTest, ServerLeavesTheCallersCgroupAndSurvivesItsOom) {
  std::string dd = MakeImage("img");
  // `ploop mount` is run from inside the memory-limited cgroup.
  ASSERT_EQ(RunInCgroup({PloopBinary(), "--root", node_.root(), "mount", "-m",
                         Path("mnt"), dd}),
            0);
  auto mounts = *ploop::ListMounts(node_);
  ASSERT_EQ(mounts.size(), 1u);
  pid_t server = mounts[0].pid;
  EXPECT_EQ(SettledMemoryCgroupOf(server), "/");
  // Inside the cgroup: write through the mount and then blow the limit.
  int rc =
      RunInCgroup({"sh", "-c",
                   "dd if=/dev/zero of=" + Path("mnt/f") +
                       " bs=1M count=200 conv=fsync 2>/dev/null; "
                       "exec python3 -c 'a=[]\nwhile True: "
                       "a.append(bytearray(1<<20))' 2>/dev/null "
                       "|| exec sh -c 'x=a; while true; do x=$x$x; done'"});
  EXPECT_NE(rc, 0);  // the hog was OOM-killed in its cgroup
  // The server lives on and the filesystem still works.
  EXPECT_TRUE((*ploop::ListMounts(node_))[0].alive);
  ASSERT_TRUE(WriteFileAtomic(Path("mnt/after"), "ok\n").ok());
  EXPECT_EQ(*ReadFile(Path("mnt/after")), "ok\n");
}

// kB of a /proc/PID/status or smaps_rollup line, -1 if absent.
long ProcKb(pid_t pid, const std::string& file, const std::string& key) {
  auto text = ReadFile("/proc/" + std::to_string(pid) + "/" + file);
  if (!text.has_value()) return -1;
  for (const auto& line : SplitNonEmpty(*text, '\n')) {
    if (line.rfind(key + ":", 0) == 0) {
      return std::atol(line.substr(key.size() + 1).c_str());
    }
  }
  return -1;
}

// After a burst of 1 MiB I/O a server keeps no megabytes of request
// buffers it could not give back: the io_uring workers hand them back
// after 2 s idle; the /dev/fuse threads' buffers are outside the mlockall
// and lazily free after each large request. (The /dev/fuse threads used to
// keep about 16 MiB locked for the server's lifetime.)
class PloopServerMemoryTest
    : public PloopFixture,
      public ::testing::WithParamInterface<const char*> {};
INSTANTIATE_TEST_SUITE_P(Transports, PloopServerMemoryTest,
                         ::testing::Values("auto", "off"));

TEST_P(PloopServerMemoryTest, ABurstLeavesNoBuffersHeld) {
  std::string dd = MakeImage("img");
  ploop::MountOptions o;
  o.mount_point = Path("mnt");
  o.uring = GetParam();
  auto m = ploop::Mount(node_, dd, o);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  // Anonymous memory the kernel could not take back: resident and not
  // lazily free (whether locked or not: there is no swap to take it to).
  auto held = [&]() -> long {
    long rss = ProcKb(m->pid, "status", "RssAnon");
    long lazy = ProcKb(m->pid, "smaps_rollup", "LazyFree");
    return rss < 0 || lazy < 0 ? -1 : rss - lazy;
  };
  const long before = held();
  ASSERT_GE(before, 0) << "the server's memory is not readable";
  // 32 requests of 1 MiB in flight: every thread or ring entry gets one.
  for (const char* rw : {"write", "read"}) {
    auto fio = RunSubprocess(
        {"fio", "--name=burst", "--directory=" + Path("mnt"), "--size=128M",
         std::string("--rw=") + rw, "--bs=1M", "--direct=1",
         "--ioengine=libaio", "--iodepth=32", "--output=/dev/null"});
    ASSERT_TRUE(fio.has_value() && fio->exit_code == 0)
        << rw << ": " << (fio.has_value() ? fio->err : fio.error().message());
  }
  // What the burst left, waited for up to 10 s (the io_uring release
  // comes after 2 s idle).
  long grown = 0;
  for (int i = 0; i < 100; ++i) {
    long now = held();
    ASSERT_GE(now, 0) << "the server is gone";
    grown = now - before;
    if (grown < 8192) break;
    ::usleep(100000);
  }
  EXPECT_LT(grown, 8192) << "kB of anonymous memory the burst left held";
  ASSERT_TRUE(ploop::Umount(node_, dd).ok());
}

}  // namespace
}  // namespace vz::testing
