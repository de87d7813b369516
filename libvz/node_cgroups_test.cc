#include "libvz/node_cgroups.h"

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/testing/temp_dir.h"

namespace vz {
namespace {

using vz::testing::TempDir;

// The cgroup of the calling process in the CPU controller, from
// /proc/self/cgroup ("1:cpu:/path" on v1, "0::/path" on v2).
std::string OwnCpuCgroup() {
  for (const auto& line :
       SplitNonEmpty(ReadFile("/proc/self/cgroup").value_or(""), '\n')) {
    auto f = Split(line, ':');
    if (f.size() < 3) continue;
    for (const auto& c : Split(f[1], ',')) {
      if (c == "cpu") return f[2];
    }
    if (f[1].empty()) return f[2];
  }
  return "<none>";
}

TEST(IdleJobsCgroupTest, AFakeV2GroupIsIdleAndGoneOnLeave) {
  TempDir tmp;
  ASSERT_TRUE(
      WriteFileAtomic(tmp.Join("cgroup.controllers"), "cpu memory pids\n")
          .ok());
  cgroup::CgroupFs fs{
      .layout = cgroup::Layout::kV2, .root = tmp.path(), .fake = true};
  auto idle = IdleJobsCgroup::Enter(fs, "vz");
  ASSERT_TRUE(idle.has_value()) << idle.error().message();
  EXPECT_EQ(ReadFile(tmp.Join("vz/node.idle/cpu.idle")).value_or(""), "1");
  EXPECT_EQ(ReadFile(tmp.Join("vz/cgroup.subtree_control")).value_or(""),
            "+cpu +memory +pids");
  ASSERT_TRUE(idle->Leave().ok());
  EXPECT_FALSE(PathExists(tmp.Join("vz/node.idle")));
  EXPECT_TRUE(PathExists(tmp.Join("vz")));  // the node's level stays
}

// This machine's own cgroupfs, in a child: the move is of the calling
// process, and it must be single-threaded.
class RealIdleJobsCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (cgroupfs)";
    auto fs = cgroup::Detect();
    if (!fs.has_value()) GTEST_SKIP() << "no cgroupfs";
    fs_ = *fs;
    prefix_ = "ti" + std::to_string(::getpid() % 10000);
  }
  void TearDown() override {
    if (prefix_.empty()) return;
    (void)EndIdleJobs(fs_, prefix_);
    (void)cgroup::Open(fs_, prefix_)->Remove(std::chrono::seconds(1));
  }
  // Runs `body` in a child; true when it exited 0.
  static bool InChild(const std::function<int()>& body) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    int status = 0;
    return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
  }
  std::string IdleDir() const {
    auto cg = cgroup::Open(fs_, prefix_ + "/node.idle");
    for (const auto& [name, dir] : cg->Dirs()) {
      if (name == "cpu" || name == "unified") return dir;
    }
    return "";
  }
  cgroup::CgroupFs fs_;
  std::string prefix_;
};

TEST_F(RealIdleJobsCgroupTest, TheCallerRunsIdleThenLeavesNothing) {
  const std::string inside = "/" + prefix_ + "/node.idle";
  const std::string dir = IdleDir();
  EXPECT_TRUE(InChild([&] {
    auto idle = IdleJobsCgroup::Enter(fs_, prefix_);
    if (!idle.has_value()) return 1;
    if (OwnCpuCgroup() != inside) return 2;
    // cpu.idle where the kernel has it, else the smallest weight.
    auto flag = ReadFile(dir + "/cpu.idle");
    auto shares = ReadFile(dir + "/cpu.shares");
    if (!(flag && Trim(*flag) == "1") && !(shares && Trim(*shares) == "2")) {
      return 3;
    }
    if (!idle->Leave().ok()) return 4;
    return OwnCpuCgroup() == "/" ? 0 : 5;
  }));
  EXPECT_FALSE(PathExists(dir));
}

TEST_F(RealIdleJobsCgroupTest, EndKillsWhatIsInsideAndRemovesTheGroup) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t job = ::fork();
  if (job == 0) {
    ::close(ready[0]);
    if (!IdleJobsCgroup::Enter(fs_, prefix_).has_value()) ::_exit(1);
    (void)!::write(ready[1], "x", 1);
    ::pause();  // until killed
    ::_exit(2);
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "the job could not enter";
  ::close(ready[0]);
  const std::string dir = IdleDir();
  ASSERT_TRUE(PathExists(dir));
  // The job's own parent reaps it: EndIdleJobs waits for that.
  std::thread reaper([job] {
    int status = 0;
    ::waitpid(job, &status, 0);
  });
  EXPECT_TRUE(EndIdleJobs(fs_, prefix_).ok());
  reaper.join();
  EXPECT_FALSE(PathExists(dir));
  EXPECT_TRUE(EndIdleJobs(fs_, prefix_).ok());  // gone: fine
}

}  // namespace
}  // namespace vz
