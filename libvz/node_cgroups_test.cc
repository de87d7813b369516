#include "libvz/node_cgroups.h"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

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
  auto text = ReadFile("/proc/self/cgroup").value_or("");
  for (const auto& line : SplitNonEmpty(text, '\n')) {
    auto f = Split(line, ':');
    if (f.size() < 3) continue;
    for (const auto& c : Split(f[1], ',')) {
      if (c == "cpu") return f[2];
    }
    if (f[1].empty()) return f[2];
  }
  return "<none>";
}

// A v2 layout in a plain directory (cgroup::CgroupFs::fake).
class FakeIdleJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        WriteFileAtomic(tmp_.Join("cgroup.controllers"), "cpu memory pids\n")
            .ok());
  }
  TempDir tmp_;
  cgroup::CgroupFs fs_{
      .layout = cgroup::Layout::kV2, .root = tmp_.path(), .fake = true};
};

TEST_F(FakeIdleJobTest, TheGroupIsIdleWhileTheJobRunsAndGoneAfter) {
  Status s = RunIdleJob(fs_, "vz", [&] {
    // In the child: what the group looks like while the job runs.
    if (ReadFile(tmp_.Join("vz/node.idle/cpu.idle")).value_or("") != "1") {
      return InternalError("not idle");
    }
    if (ReadFile(tmp_.Join("vz/node.idle/cgroup.procs")).value_or("") !=
        std::to_string(::getpid())) {
      return InternalError("not inside");
    }
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ReadFile(tmp_.Join("vz/cgroup.subtree_control")).value_or(""),
            "+cpu +memory +pids");
  EXPECT_FALSE(PathExists(tmp_.Join("vz/node.idle")));
  EXPECT_TRUE(PathExists(tmp_.Join("vz")));  // the node's level stays
}

TEST_F(FakeIdleJobTest, TheJobsErrorComesBack) {
  Status s = RunIdleJob(fs_, "vz", [] { return NotFoundError("no such key"); });
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "no such key");
}

// This machine's own cgroupfs.
class RealIdleJobTest : public ::testing::Test {
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

TEST_F(RealIdleJobTest, TheJobRunsIdleAndLeavesNothing) {
  const std::string dir = IdleDir();
  const std::string caller = OwnCpuCgroup();
  Status s = RunIdleJob(fs_, prefix_, [&] {
    if (OwnCpuCgroup() != "/" + prefix_ + "/node.idle") {
      return InternalError("not inside: " + OwnCpuCgroup());
    }
    if (::sched_getscheduler(0) != SCHED_IDLE) return InternalError("policy");
    // cpu.idle where the kernel has it, else the smallest weight.
    auto flag = ReadFile(dir + "/cpu.idle");
    auto shares = ReadFile(dir + "/cpu.shares");
    auto weight = ReadFile(dir + "/cpu.weight");
    if (!(flag && Trim(*flag) == "1") && !(shares && Trim(*shares) == "2") &&
        !(weight && Trim(*weight) == "1")) {
      return InternalError("the group is not idle");
    }
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(OwnCpuCgroup(), caller);  // the caller never moved
  EXPECT_EQ(::sched_getscheduler(0), SCHED_OTHER);
  EXPECT_FALSE(PathExists(dir));
}

TEST_F(RealIdleJobTest, EndKillsAJobInsideAndRemovesTheGroup) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  // A process running a job that waits for ever, as a refill waiting for
  // quiet CPUs would.
  pid_t runner = ::fork();
  if (runner == 0) {
    ::close(ready[0]);
    Status s = RunIdleJob(fs_, prefix_, [&] {
      (void)!::write(ready[1], "x", 1);
      ::sleep(30);  // bounded: a job the end misses fails the test, late
      return OkStatus();
    });
    ::_exit(s.code() == Code::kInternal ? 0 : 1);  // killed: no result
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "the job did not start";
  ::close(ready[0]);
  const std::string dir = IdleDir();
  ASSERT_TRUE(PathExists(dir));
  EXPECT_TRUE(EndIdleJobs(fs_, prefix_).ok());
  int status = 0;
  ASSERT_EQ(::waitpid(runner, &status, 0), runner);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(PathExists(dir));
  EXPECT_TRUE(EndIdleJobs(fs_, prefix_).ok());  // gone: fine
}

}  // namespace
}  // namespace vz
