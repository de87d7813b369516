// libvz/runtime for real: an init in its namespaces on a busybox rootfs,
// commands run inside it, and what it cannot do.
#include "libvz/runtime.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "libvz/runtime/policy.h"
#include "libvz/runtime/security.h"
#include "ploop/lib/proc.h"
#include "test/integration/busybox_rootfs.h"
#include "test/integration/root_test_util.h"

namespace vz::runtime {
namespace {

struct Param {
  bool privileged;
};

class RuntimeTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    VZ_REQUIRE_ROOT();
    auto fs = cgroup::Detect();
    ASSERT_TRUE(fs.has_value());
    fs_ = *fs;
    ASSERT_TRUE(testing::MakeBusyboxRootfs(tmp_.path()).ok());
    prefix_ = "vzt" + std::to_string(::getpid());
    cg_ = cgroup::Open(fs_, cgroup::ContainerPath(prefix_, "default", "101"));
    ASSERT_TRUE(cg_->Create().ok());
    spec_.ctid = "101";
    spec_.rootfs = tmp_.path();
    spec_.hostname = "ct101";
    if (!GetParam().privileged) {
      spec_.ids = IdRange{
          .uid = 3000000u + 65536u * static_cast<uint64_t>(::getpid() % 64),
          .gid = 3000000u + 65536u * static_cast<uint64_t>(::getpid() % 64)};
    }
    spec_.init = {"/bin/sleep", "1000000"};
    spec_.cgroup_layout = fs_.layout;
    spec_.capabilities = *internal::CapabilitySet("", internal::LastCap());
    spec_.devices = internal::BaseDeviceRules();
    ASSERT_TRUE(cg_->SetDevices(spec_.devices).ok());
  }
  void TearDown() override {
    if (init_pid_ > 0) {
      ::kill(init_pid_, SIGKILL);
      ::waitpid(init_pid_, nullptr, 0);
    }
    if (cg_) {
      (void)cg_->KillAll(SIGKILL);
      (void)cg_->Remove(std::chrono::seconds(2));
    }
    for (auto h : cgroup::kV1Hierarchies) {
      std::string base = fs_.root + "/" + std::string(h) + "/" + prefix_;
      ::rmdir((base + "/default").c_str());
      ::rmdir(base.c_str());
    }
  }
  void Start() {
    auto init = CreateInit(spec_, *cg_);
    ASSERT_TRUE(init.has_value()) << init.error().message();
    Status s = init->Start();
    ASSERT_TRUE(s.ok()) << "[" << s.message() << "] code "
                        << static_cast<int>(s.code()) << " errno "
                        << s.sys_errno();
    init_pid_ = init->pid();
    (void)init->TakePidfd();
  }
  // Runs `script` with sh inside; its stdout and exit code.
  std::pair<int, std::string> Sh(const std::string& script) {
    int p[2];
    EXPECT_EQ(::pipe(p), 0);
    int saved = ::dup(1);
    ::dup2(p[1], 1);
    ::close(p[1]);
    auto rc = Exec(spec_, init_pid_, *cg_, {.argv = {"/bin/sh", "-c", script}});
    ::dup2(saved, 1);
    ::close(saved);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0) out.append(buf, n);
    ::close(p[0]);
    EXPECT_TRUE(rc.has_value()) << rc.status().message();
    return {rc.value_or(-1), out};
  }

  testing::TempDir tmp_;
  cgroup::CgroupFs fs_;
  std::string prefix_;
  std::unique_ptr<cgroup::Cgroup> cg_;
  Spec spec_;
  pid_t init_pid_ = -1;
};

TEST_P(RuntimeTest, InitRunsIsolated) {
  Start();
  EXPECT_EQ(Sh("exit 7").first, 7);
  EXPECT_EQ(Sh("hostname").second, "ct101\n");
  // Its own PID namespace: init is 1 and no host process is visible.
  EXPECT_EQ(Sh("cat /proc/1/cmdline | tr '\\0' ' '").second,
            "/bin/sleep 1000000 ");
  EXPECT_EQ(Sh("ls /proc | grep -c '^[0-9]'").second.size() < 4, true);
  // No host mounts or disks.
  EXPECT_EQ(
      Sh("awk '{print $5}' /proc/self/mountinfo | grep -c '^/work\\|^/tmp'")
          .second,
      "0\n");
  EXPECT_EQ(Sh("cat /proc/partitions /proc/diskstats; ls /sys/block; "
               "ls /sys/class/block; ls /sys/dev/block")
                .second,
            "");
  // Host paths are masked or read-only.
  EXPECT_NE(Sh("head -c1 /proc/kcore | wc -c").second, "1\n");
  EXPECT_NE(Sh("cat /proc/sys/kernel/pid_max > /proc/sys/kernel/pid_max").first,
            0);
  // Its own network namespace's sysctls stay writable.
  EXPECT_EQ(Sh("echo 1 > /proc/sys/net/ipv4/ip_forward").first, 0);
  EXPECT_NE(Sh("echo h > /proc/sysrq-trigger").first, 0);
  EXPECT_NE(Sh("touch /sys/kernel/x").first, 0);
  EXPECT_EQ(Sh("hostname evil && hostname").second, "evil\n");
  char host[256] = {};
  ::gethostname(host, sizeof host);
  EXPECT_NE(std::string(host), "evil");
  EXPECT_NE(Sh("insmod /nonexistent.ko || modprobe dummy").first, 0);
  // No block devices: mknod may work, opening and mounting may not.
  EXPECT_NE(Sh("mknod /tmp/vda b 253 0; mount /tmp/vda /mnt").first, 0);
  EXPECT_EQ(Sh("ls /sys/fs/cgroup").second.find("systemd") != std::string::npos,
            true);
  EXPECT_EQ(Sh("cat /dev/null && echo ok > /dev/null && echo ok").second,
            "ok\n");
}

std::string NamespaceOf(const std::string& path) {
  char buf[128] = {};
  return ::readlink(path.c_str(), buf, sizeof buf - 1) > 0 ? buf : "?" + path;
}

// Exec joins the container's PID namespace for its one fork and goes
// back: the caller's next child (the monitor's, say) is in the caller's.
TEST_P(RuntimeTest, ExecLeavesTheCallersChildrenInItsPidNamespace) {
  Start();
  const std::string own = NamespaceOf("/proc/self/ns/pid");
  // The command ran inside, not as the container's init.
  auto [rc, pid] = Sh("echo $$; exit 3");
  EXPECT_EQ(rc, 3);
  EXPECT_NE(pid, "1\n");
  EXPECT_LT(std::stoi(pid), 100);
  EXPECT_EQ(NamespaceOf("/proc/self/ns/pid_for_children"), own);
  pid_t child = ::fork();
  if (child == 0) ::_exit(NamespaceOf("/proc/self/ns/pid") == own ? 0 : 1);
  int status = -1;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// Whether `pid` runs (not gone, not a zombie).
bool Alive(pid_t pid) { return ploop::ProcessStartTime(pid).has_value(); }

// Whether `pid` ends (a zombie or gone) within 10 s.
bool Ends(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    if (!Alive(pid)) return true;
    ::usleep(10000);
  }
  return false;
}

// A fast stop's first step: everything in the container's PID namespace
// but its init, at once; nothing of the host's, though the kill is
// kill(-1) by root.
TEST_P(RuntimeTest, KillNamespaceKillsAllButTheInitAndNothingOutside) {
  Start();
  // Their output elsewhere: Sh reads its pipe to the end.
  ASSERT_EQ(
      Sh("exec >/dev/null; sleep 1000 & sleep 1000 & (sleep 1000 &)").first, 0);
  auto pids = cg_->Pids();
  ASSERT_TRUE(pids.has_value());
  std::vector<pid_t> inside;
  for (pid_t pid : *pids) {
    if (pid != init_pid_) inside.push_back(pid);
  }
  EXPECT_EQ(inside.size(), 3u);
  pid_t host_child = ::fork();
  if (host_child == 0) {
    ::execl("/bin/sleep", "sleep", "1000", nullptr);
    ::_exit(127);
  }
  ASSERT_GT(host_child, 0);

  Status s = KillNamespace(init_pid_);
  EXPECT_TRUE(s.ok()) << s.message();
  for (pid_t pid : inside) EXPECT_TRUE(Ends(pid)) << pid;
  EXPECT_TRUE(Alive(init_pid_));
  // A process in this process's own namespace is refused: kill(-1) there
  // would end the node's processes.
  EXPECT_EQ(KillNamespace(::getpid()).code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Alive(host_child));
  // This process's next children are in its own namespace still.
  EXPECT_EQ(NamespaceOf("/proc/self/ns/pid_for_children"),
            NamespaceOf("/proc/self/ns/pid"));
  ::kill(host_child, SIGKILL);
  ::waitpid(host_child, nullptr, 0);

  // A dead init not reaped yet (its PID cannot be reused meanwhile).
  ::kill(init_pid_, SIGKILL);
  EXPECT_TRUE(Ends(init_pid_));
  EXPECT_EQ(KillNamespace(init_pid_).code(), Code::kNotFound);
}

TEST_P(RuntimeTest, UidZeroMapsElsewhereWhenUnprivileged) {
  Start();
  auto out = Sh("cat /proc/self/uid_map").second;
  if (GetParam().privileged) {
    EXPECT_NE(out.find("4294967295"), std::string::npos) << out;
  } else {
    EXPECT_NE(out.find(std::to_string(spec_.ids->uid)), std::string::npos)
        << out;
  }
  EXPECT_EQ(Sh("id -u").second, "0\n");
}

TEST_P(RuntimeTest, MissingInitIsBadTemplate) {
  spec_.init = {"/sbin/nosuchinit"};
  auto init = CreateInit(spec_, *cg_);
  ASSERT_TRUE(init.has_value()) << init.error().message();
  Status s = init->Start();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.exit_code(), 47) << s.message();
}

TEST(SeccompTest, DeniesModulesAndTerminalInjection) {
  VZ_REQUIRE_ROOT();
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (!internal::LoadSeccompFilter().ok()) ::_exit(10);
    char c = 'x';
    if (::ioctl(master, TIOCSTI, &c) == 0 || errno != EPERM) ::_exit(11);
    if (::syscall(SYS_finit_module, -1, "", 0) == 0 || errno != EPERM) {
      ::_exit(12);
    }
    if (::syscall(SYS_kexec_load, 0, 0, nullptr, 0) == 0 || errno != EPERM) {
      ::_exit(13);
    }
    // Ordinary ioctls still work.
    int n = 0;
    ::_exit(::ioctl(master, FIONREAD, &n) == 0 ? 0 : 14);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::close(master);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

INSTANTIATE_TEST_SUITE_P(Kinds, RuntimeTest,
                         ::testing::Values(Param{false}, Param{true}),
                         [](const auto& info) {
                           return info.param.privileged ? "Privileged"
                                                        : "Unprivileged";
                         });

}  // namespace
}  // namespace vz::runtime
