// cgroup v1/hybrid for real: create, attach, freeze, OOM, kill, remove.
#include "libvz/cgroup.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "test/integration/root_test_util.h"

namespace vz {
namespace {

using cgroup::Layout;

class CgroupV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    VZ_REQUIRE_ROOT();
    auto fs = cgroup::Detect();
    if (!fs.has_value() || fs->layout != Layout::kV1) {
      GTEST_SKIP() << "needs a cgroup v1/hybrid host";
    }
    fs_ = *fs;
    prefix_ = "vzt" + std::to_string(::getpid());
    cg_ = cgroup::Open(fs_, cgroup::ContainerPath(prefix_, "default", "101"));
  }
  void TearDown() override {
    for (pid_t pid : children_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (cg_) (void)cg_->Remove(std::chrono::seconds(2));
    for (auto h : cgroup::kV1Hierarchies) {
      std::string base = fs_.root + "/" + std::string(h) + "/" + prefix_;
      ::rmdir((base + "/default").c_str());
      ::rmdir(base.c_str());
    }
  }
  // A child that waits, or runs `body` once attached.
  pid_t Spawn(void (*body)() = nullptr) {
    int p[2];
    EXPECT_EQ(::pipe(p), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
      char c;
      ::close(p[1]);
      (void)!::read(p[0], &c, 1);
      if (body) body();
      for (;;) ::pause();
    }
    ::close(p[0]);
    children_.push_back(pid);
    EXPECT_TRUE(cg_->Attach(pid).ok());
    (void)!::write(p[1], "x", 1);
    ::close(p[1]);
    return pid;
  }

  cgroup::CgroupFs fs_;
  std::string prefix_;
  std::unique_ptr<cgroup::Cgroup> cg_;
  std::vector<pid_t> children_;
};

TEST_F(CgroupV1Test, CreateAttachFreezeKillRemove) {
  ASSERT_TRUE(cg_->Create().ok());
  pid_t pid = Spawn();
  auto text = ReadFile("/proc/" + std::to_string(pid) + "/cgroup");
  ASSERT_TRUE(text.has_value());
  EXPECT_NE(text->find("memory:/" + prefix_ + "/default/101"),
            std::string::npos);
  EXPECT_NE(text->find("name=systemd:/" + prefix_ + "/default/101"),
            std::string::npos);
  auto pids = cg_->Pids();
  ASSERT_TRUE(pids.has_value());
  EXPECT_EQ(*pids, std::vector<pid_t>{pid});
  EXPECT_EQ(*cg_->PidsCurrent(), 1u);

  ASSERT_TRUE(cg_->Freeze(std::chrono::seconds(2)).ok());
  EXPECT_TRUE(*cg_->IsFrozen());
  // Busy until empty: removal must wait or fail, never leave it half-gone.
  EXPECT_EQ(cg_->Remove(std::chrono::milliseconds(50)).code(),
            Code::kUnavailable);
  ASSERT_TRUE(cg_->KillAll(SIGKILL).ok());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  children_.clear();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_TRUE(cg_->Remove(std::chrono::seconds(2)).ok());
  EXPECT_FALSE(cg_->Exists());
}

// A container's systemd makes cgroups of its own below the container's;
// the removal takes them too, children first (the kernel refuses a
// cgroup with live children), in every hierarchy.
TEST_F(CgroupV1Test, RemoveTakesChildCgroupsToo) {
  ASSERT_TRUE(cg_->Create().ok());
  const std::string path = "/" + prefix_ + "/default/101";
  // Hierarchies mounted together (cpu,cpuacct) are one directory: EEXIST.
  auto made = [](const std::string& d) {
    return ::mkdir(d.c_str(), 0755) == 0 || errno == EEXIST;
  };
  for (auto h : cgroup::kV1Hierarchies) {
    const std::string dir = fs_.root + "/" + std::string(h) + path;
    ASSERT_TRUE(made(dir + "/system.slice")) << dir;
    ASSERT_TRUE(made(dir + "/system.slice/a.service")) << dir;
  }
  ASSERT_TRUE(cg_->Remove(std::chrono::seconds(2)).ok());
  EXPECT_FALSE(cg_->Exists());
  for (auto h : cgroup::kV1Hierarchies) {
    EXPECT_FALSE(PathExists(fs_.root + "/" + std::string(h) + path)) << h;
  }
}

// A single-threaded process moves itself by "0" in each `tasks` file: the
// whole process lands in every hierarchy, as with Attach, without the
// threadgroup lock (no grace period: doc/runtime.md §4).
TEST_F(CgroupV1Test, AttachSelfMovesTheWholeProcess) {
  ASSERT_TRUE(cg_->Create().ok());
  ASSERT_TRUE(cg_->CheapSelfAttach());
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    char ok = cg_->AttachSelf().ok() ? 'y' : 'n';
    (void)!::write(p[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(p[1]);
  children_.push_back(pid);
  char ok = 0;
  ASSERT_EQ(::read(p[0], &ok, 1), 1);
  ::close(p[0]);
  EXPECT_EQ(ok, 'y');
  auto text = ReadFile("/proc/" + std::to_string(pid) + "/cgroup");
  ASSERT_TRUE(text.has_value());
  for (auto h : cgroup::kV1Hierarchies) {
    std::string name = h == "systemd" ? "name=systemd" : std::string(h);
    EXPECT_NE(text->find(name + ":/" + prefix_ + "/default/101"),
              std::string::npos)
        << h << " in " << *text;
  }
  EXPECT_EQ(*cg_->Pids(), std::vector<pid_t>{pid});
}

TEST_F(CgroupV1Test, OomKillIsCounted) {
  ASSERT_TRUE(cg_->Create().ok());
  ASSERT_TRUE(cg_->Set("memory", "memory.limit_in_bytes", "16777216").ok());
  EXPECT_EQ(*cg_->OomKills(), 0u);
  pid_t pid = Spawn([] {
    for (;;) {
      char* p = static_cast<char*>(::malloc(1 << 20));
      if (p) std::memset(p, 1, 1 << 20);
    }
  });
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  children_.clear();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_GE(*cg_->OomKills(), 1u);
}

TEST_F(CgroupV1Test, DevicesAndDelegation) {
  ASSERT_TRUE(cg_->Create().ok());
  ASSERT_TRUE(cg_->SetDevices({{'c', 1, 3, "rwm"}}).ok());
  auto list = cg_->Get("devices", "devices.list");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(*list, "c 1:3 rwm");
  ASSERT_TRUE(cg_->Delegate(100000, 100000).ok());
  struct stat st;
  ASSERT_EQ(
      ::stat((fs_.root + "/systemd/" + cg_->path() + "/cgroup.procs").c_str(),
             &st),
      0);
  EXPECT_EQ(st.st_uid, 100000u);
}

}  // namespace
}  // namespace vz
