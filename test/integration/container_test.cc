// vzctl start/exec/stop and friends with the monitor, for real: busybox
// containers from the template (ploop storage) and from a directory,
// unprivileged and privileged; exit reasons; bad input; recovery.
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/poll_for.h"
#include "base/reverter.h"
#include "libvz/cgroup.h"
#include "libvz/container/internal.h"
#include "libvz/lock.h"
#include "libvz/node_config.h"
#include "libvz/storage/boot_set.h"
#include "test/integration/container_fixture.h"

namespace vz::testing {
namespace {

// The target of a symlink, or "" when it cannot be read.
std::string LinkTarget(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v) {
    if (x.starts_with(s)) return true;
  }
  return false;
}

class TemplateContainerTest : public ContainerFixture,
                              public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    ContainerFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    BuildBusybox();
    std::vector<std::string> create = {
        "-q",     "create",           "101",        "--ostemplate",
        kBusybox, "--allow-unsigned", "--hostname", "ct101"};
    if (GetParam()) create.insert(create.end(), {"--userns", "no"});
    auto c = Vzctl(create);
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  // A child that runs `body` (which never returns) until `kill` is
  // reverted: what holds a stopped container's disk.
  static pid_t StartHolder(Reverter& kill, const std::function<void()>& body) {
    pid_t pid = ::fork();
    if (pid == 0) {
      body();
      ::_exit(127);
    }
    if (pid > 0) {
      kill.Add([pid] {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      });
    }
    return pid;
  }
  // Once the holder is gone, `vzctl umount` releases the disk and the
  // container starts and stops again.
  void ReleasedOnceTheHolderIsGone(Reverter& kill_holder) {
    kill_holder.Revert();
    auto u = Vzctl({"umount", "101"});
    EXPECT_EQ(u.exit_code, 0) << u.err;
    auto again = Vzctl({"start", "101"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  }
};

TEST_P(TemplateContainerTest, StartExecStop) {
  auto s = Vzctl({"start", "101"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist mounted running\n");
  EXPECT_EQ(Vzctl({"start", "101"}).exit_code, 32);  // VZ_VE_RUNNING

  auto e = Vzctl({"exec2", "101", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(e.exit_code, 3);
  EXPECT_EQ(e.out, "out\n");
  EXPECT_NE(e.err.find("err\n"), std::string::npos);
  EXPECT_EQ(Vzctl({"exec", "101", "false"}).exit_code, 8);
  EXPECT_EQ(Vzctl({"exec2", "101", "id -u"}).out, "0\n");
  auto map = Vzctl({"exec2", "101", "cat /proc/self/uid_map"}).out;
  if (GetParam()) {
    EXPECT_NE(map.find("4294967295"), std::string::npos) << map;
  } else {
    EXPECT_EQ(map.find("4294967295"), std::string::npos) << map;
    auto conf = ReadFile(Path("/etc/vz/conf/101.conf"));
    EXPECT_NE(conf->find("LOCAL_UID="), std::string::npos);
  }
  // Isolation from inside: no host processes (the monitor is invisible),
  // no host network, no module loading, no kernel sysctls.
  // The test and the monitor are outside its PID namespace: the monitor
  // cannot be seen, signalled or traced.
  auto rec = ReadFile(Path("/run/vz/101.pid"));
  ASSERT_TRUE(rec.has_value());
  const std::string monitor = rec->substr(0, rec->find(' '));
  EXPECT_EQ(Vzctl({"exec2", "101",
                   "ps -o pid,args | grep -c '[v]z-monitor\\|[g]test'"})
                .out,
            "0\n");
  EXPECT_EQ(
      Vzctl({"exec2", "101", "grep -q vz-monitor /proc/" + monitor + "/status"})
          .exit_code,
      2);  // grep: no such file
  EXPECT_EQ(Vzctl({"exec2", "101", "ls /proc | grep -c '^[0-9]'"}).out.size(),
            2u);  // a handful of its own processes
  EXPECT_EQ(Vzctl({"exec2", "101", "ls /sys/class/net"}).out, "lo\n");
  EXPECT_NE(Vzctl({"exec2", "101",
                   "cat /proc/sys/kernel/pid_max > "
                   "/proc/sys/kernel/pid_max"})
                .exit_code,
            0);
  EXPECT_NE(Vzctl({"exec2", "101", "mknod /tmp/b b 7 0; mount /tmp/b /mnt"})
                .exit_code,
            0);

  // The monitor left the test's cgroups for the node's root ones.
  auto pidfile = ReadFile(Path("/run/vz/101.pid"));
  ASSERT_TRUE(pidfile.has_value());
  auto cgroups = ReadFile(
      "/proc/" + std::to_string(std::atoi(pidfile->c_str())) + "/cgroup");
  EXPECT_NE(cgroups.value_or("").find(":memory:/\n"), std::string::npos)
      << cgroups.value_or("");
  auto st = Vzctl({"stop", "101"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist unmounted down\n");
  EXPECT_EQ(Vzctl({"stop", "101"}).exit_code, 31);  // VZ_VE_NOTRUNNING
  EXPECT_EQ(Vzctl({"exec", "101", "true"}).exit_code, 31);
  auto ev = Events("101");
  EXPECT_TRUE(Has(ev, "start:"));
  EXPECT_TRUE(Has(ev, "stop:requested"));
}

TEST_P(TemplateContainerTest, SuspendResumeRestartFastStop) {
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"suspend", "101"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"status", "101"}).out,
            "CTID 101 exist mounted running suspended\n");
  auto e = Vzctl({"exec", "101", "true"});
  EXPECT_EQ(e.exit_code, 31);
  EXPECT_NE(e.err.find("suspended"), std::string::npos) << e.err;
  ASSERT_EQ(Vzctl({"resume", "101"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"restart", "101"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"exec2", "101", "true"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist unmounted down\n");
  // A suspended container stops cleanly: it is thawed first.
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"suspend", "101"}).exit_code, 0);
  const auto before = std::chrono::steady_clock::now();
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(8));
  EXPECT_TRUE(Has(Events("101"), "stop:requested"));
}

TEST_P(TemplateContainerTest, BrokenInitLeavesNothingBehind) {
  ASSERT_EQ(Vzctl({"mount", "101"}).exit_code, 0);
  ASSERT_EQ(::unlink(Path("/vz/root/101/sbin/init").c_str()), 0);
  ASSERT_EQ(Vzctl({"umount", "101"}).exit_code, 0);
  auto s = Vzctl({"start", "101"});
  EXPECT_EQ(s.exit_code, 47) << s.err;  // VZ_FS_BAD_TMPL
  EXPECT_NE(s.err.find("/sbin/init"), std::string::npos) << s.err;
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist unmounted down\n");
  EXPECT_FALSE(PathExists(Path("/run/vz/101.pid")));
}

// A process in a mount namespace made while the container ran holds a
// copy of its mount: the stop unmounts VE_ROOT but cannot release the
// device. The stop and the next start say so (instead of the start finding
// no /sbin/init), and once the holder is gone `vzctl umount` releases the
// disk.
TEST_P(TemplateContainerTest, AStartRefusesADiskHeldElsewhere) {
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  const std::string own_ns = LinkTarget("/proc/self/ns/mnt");
  Reverter kill_holder;
  const pid_t holder = StartHolder(kill_holder, [] {
    ::execlp("unshare", "unshare", "-m", "--propagation", "private", "sleep",
             "60", nullptr);
  });
  ASSERT_GT(holder, 0);
  const std::string ns = "/proc/" + std::to_string(holder) + "/ns/mnt";
  const std::string exe = "/proc/" + std::to_string(holder) + "/exe";
  auto ready = PollFor(std::chrono::seconds(5), [&]() -> Result<bool> {
    const std::string n = LinkTarget(ns);
    return !n.empty() && n != own_ns && LinkTarget(exe).ends_with("/sleep");
  });
  ASSERT_TRUE(ready.value_or(false));
  // The stop says so (the container itself is down).
  auto stop = Vzctl({"stop", "101", "--fast"});
  EXPECT_EQ(stop.exit_code, 51) << stop.err;  // VZ_FS_CANTUMOUNT
  EXPECT_NE(stop.err.find("was not released though it is no longer mounted"),
            std::string::npos)
      << stop.err;
  EXPECT_FALSE(PathExists(Path("/run/vz/101.pid")));
  auto s = Vzctl({"start", "101"});
  EXPECT_EQ(s.exit_code, 50) << s.err;  // VZ_FS_CANTMOUNT
  EXPECT_NE(s.err.find("still attached but not mounted"), std::string::npos)
      << s.err;
  ReleasedOnceTheHolderIsGone(kill_holder);
}

// OpenVZ's --skip-umount: the container's files stay at VE_ROOT; the next
// start uses the mounted disk and its stop unmounts it.
TEST_P(TemplateContainerTest, StopSkipUmountLeavesTheDiskMounted) {
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  auto stop = Vzctl({"stop", "101", "--fast", "--skip-umount"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist mounted down\n");
  EXPECT_TRUE(PathExists(Path("/vz/root/101/bin/busybox")));
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist unmounted down\n");
}

// A host process working in VE_ROOT keeps the disk mounted: the stop
// says so, and `vzctl umount` releases it once that process is gone.
TEST_P(TemplateContainerTest, AStopSaysWhatKeepsTheDiskMounted) {
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  const std::string root = Path("/vz/root/101");
  Reverter kill_holder;
  const pid_t holder = StartHolder(kill_holder, [&root] {
    if (::chdir(root.c_str()) == 0) ::pause();
  });
  ASSERT_GT(holder, 0);
  auto ready = PollFor(std::chrono::seconds(5), [&]() -> Result<bool> {
    return LinkTarget("/proc/" + std::to_string(holder) + "/cwd") == root;
  });
  ASSERT_TRUE(ready.value_or(false));
  auto stop = Vzctl({"stop", "101", "--fast"});
  EXPECT_EQ(stop.exit_code, 51) << stop.err;  // VZ_FS_CANTUMOUNT
  EXPECT_NE(stop.err.find("stays mounted at '" + root + "', which is busy"),
            std::string::npos)
      << stop.err;
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist mounted down\n");
  ReleasedOnceTheHolderIsGone(kill_holder);
}

TEST_P(TemplateContainerTest, ActionScriptsAroundStorageAndInside) {
  const std::string log = dir_.Join("scripts.log");
  for (const char* s :
       {"vps.premount", "101.premount", "vps.mount", "101.mount", "vps.umount",
        "101.umount", "vps.postumount", "101.postumount"}) {
    ASSERT_TRUE(WriteFileAtomic(Path(std::string("/etc/vz/conf/") + s),
                                "echo " + std::string(s) +
                                    " $VEID $VE_CONFFILE >> " + log + "\n")
                    .ok());
  }
  // start and stop run inside the container.
  ASSERT_TRUE(
      WriteFileAtomic(Path("/etc/vz/conf/101.start"), "echo $VEID > /started\n")
          .ok());
  ASSERT_TRUE(
      WriteFileAtomic(Path("/etc/vz/conf/101.stop"), "echo bye > /stopped\n")
          .ok());
  ASSERT_EQ(Vzctl({"start", "101", "--wait"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"exec2", "101", "cat /started"}).out, "101\n");
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
  const std::string conf = Path("/etc/vz/conf/101.conf");
  std::string want;
  for (const char* s :
       {"vps.premount", "101.premount", "vps.mount", "101.mount", "vps.umount",
        "101.umount", "vps.postumount", "101.postumount"}) {
    want += std::string(s) + " 101 " + conf + "\n";
  }
  EXPECT_EQ(ReadFile(log).value_or(""), want);
  ASSERT_EQ(Vzctl({"mount", "101"}).exit_code, 0);
  EXPECT_EQ(ReadFile(Path("/vz/root/101/stopped")).value_or(""), "bye\n");
  ASSERT_EQ(Vzctl({"umount", "101"}).exit_code, 0);
}

TEST_P(TemplateContainerTest, FailingPremountScriptStopsTheStart) {
  ASSERT_TRUE(
      WriteFileAtomic(Path("/etc/vz/conf/101.premount"), "exit 1\n").ok());
  EXPECT_EQ(Vzctl({"start", "101"}).exit_code, 79);  // VZ_ACTIONSCRIPT_ERROR
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist unmounted down\n");
}

TEST_P(TemplateContainerTest, DeadDeviceServerStopsItWithStorageLost) {
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  auto mounts = ploop::ListMounts(node_);
  ASSERT_TRUE(mounts.has_value() && mounts->size() == 1u);
  ASSERT_TRUE((*mounts)[0].alive);
  ASSERT_EQ(::kill((*mounts)[0].pid, SIGKILL), 0);  // ours, by pid
  EXPECT_TRUE(
      Eventually([&] { return Has(Events("101"), "stop:storage-lost"); }));
  EXPECT_TRUE(Eventually([&] { return !PathExists(Path("/run/vz/101.pid")); }));
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist unmounted down\n");
  // The disk survives: it starts again.
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Kinds, TemplateContainerTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "Privileged" : "Unprivileged";
                         });

// The boot set (doc/storage.md §8): recorded at a start, read ahead at the
// next ones into the container's page cache, recorded again when stale or
// broken.
class BootSetTest : public ContainerFixture {
 protected:
  void SetUp() override {
    ContainerFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto fs = cgroup::Detect();
    if (fs.has_value() && fs->layout == cgroup::Layout::kV2) {
      GTEST_SKIP() << "no boot set on cgroup v2 (doc/storage.md §8)";
    }
    BuildBusybox();
    auto c = Vzctl(
        {"-q", "create", "101", "--ostemplate", kBusybox, "--allow-unsigned"});
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  std::string SetPath() { return Path("/vz/private/101/boot-set"); }
  // The set on disk; empty when there is none or it does not parse.
  storage::BootSet Set() {
    auto set = storage::LoadBootSet(SetPath());
    return set.has_value() && set->has_value() ? **set : storage::BootSet();
  }
  static bool Lists(const storage::BootSet& set, const std::string& path) {
    return std::ranges::any_of(set.files, [&](const storage::BootSetEntry& e) {
      return e.path == path;
    });
  }
  void StartStop() {
    ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
    ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  }
  // Puts `bytes` of data at `rel` inside the stopped container; its path
  // on the host while the container is mounted.
  std::string PutInside(const std::string& rel, uint64_t bytes) {
    EXPECT_EQ(Vzctl({"mount", "101"}).exit_code, 0);
    const std::string path = Path("/vz/root/101/" + rel);
    EXPECT_TRUE(WriteFileAtomic(path, std::string(bytes, 'x')).ok());
    EXPECT_EQ(Vzctl({"umount", "101"}).exit_code, 0);
    return path;
  }
  // What is cached now is not enough: this VM's DAMON evicts fresh
  // read-ahead pages too (a CI run lost some within 10 s of the start).
  static uint64_t EnteredCache(const std::string& path, uint64_t bytes) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    return storage::PageCacheEntered(fd.get(), bytes).value_or(0);
  }
};

TEST_F(BootSetTest, RecordedForTenSecondsWhatWasReadOrWritten) {
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  // While the recording runs: one file read, one written (as journald
  // writes its journal, which it reads again at the next start).
  auto e =
      Vzctl({"exec2", "101", "cat /etc/passwd >/dev/null; echo x >/root/w"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  // Saved when its 10 s are up, the container still running.
  ASSERT_TRUE(Eventually([&] { return PathExists(SetPath()); }, 15));
  const storage::BootSet set = Set();
  EXPECT_FALSE(set.partial);
  EXPECT_TRUE(Lists(set, "bin/busybox"));  // the init, through /sbin/init
  EXPECT_TRUE(Lists(set, "etc/passwd"));
  EXPECT_TRUE(Lists(set, "root/w"));
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  // The next start reads it ahead and records nothing new.
  const std::string before = ReadFile(SetPath()).value_or("?");
  StartStop();
  EXPECT_EQ(ReadFile(SetPath()).value_or(""), before);
}

TEST_F(BootSetTest, CutShortIsPartialAndRecordedAgain) {
  StartStop();  // stopped long before the 10 s are up
  storage::BootSet set = Set();
  EXPECT_TRUE(set.partial);
  EXPECT_TRUE(Lists(set, "bin/busybox"));
  // Read ahead and recorded again at the next start.
  ASSERT_TRUE(storage::SaveBootSet(SetPath(), {.files = {{"bin/busybox", 4096}},
                                               .partial = true})
                  .ok());
  const std::string before = ReadFile(SetPath()).value_or("?");
  StartStop();
  EXPECT_NE(ReadFile(SetPath()).value_or(before), before);
  EXPECT_TRUE(Set().partial);
}

TEST_F(BootSetTest, RecordingIsBoundedHoweverManyFilesAreOpened) {
  // More files than a set may hold, opened inside while recording.
  ASSERT_EQ(Vzctl({"mount", "101"}).exit_code, 0);
  ASSERT_TRUE(MakeDirs(Path("/vz/root/101/many")).ok());
  for (int i = 0; i < 9000; ++i) {
    UniqueFd fd(::open(Path("/vz/root/101/many/" + std::to_string(i)).c_str(),
                       O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_EQ(::write(fd.get(), "x", 1), 1);
  }
  ASSERT_EQ(Vzctl({"umount", "101"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  auto e = Vzctl({"exec2", "101", "cat /many/* >/dev/null"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  const storage::BootSet set = Set();
  EXPECT_TRUE(Lists(set, "bin/busybox"));  // the first opened are kept
  EXPECT_LE(set.files.size(), storage::kBootSetMaxFiles);
  EXPECT_GT(set.files.size(), storage::kBootSetMaxFiles / 2);
}

TEST_F(BootSetTest, ReadAheadIntoTheContainersCacheAndCgroup) {
  constexpr uint64_t kBig = 8 << 20;
  // A file the boot itself never reads; its pages go with the unmount.
  const std::string big = PutInside("root/big", kBig);
  ASSERT_TRUE(storage::SaveBootSet(SetPath(), {.files = {{"bin/busybox", 4096},
                                                         {"root/big", kBig}}})
                  .ok());
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return EnteredCache(big, kBig) == kBig; }));
  // Charged to the container, as its own reads would be: counted by the
  // pages charged (pgpgin), which stays when DAMON evicts them (checked on
  // cgroup v1, this machine's layout; the boot itself reads far less).
  auto stat =
      ReadFile("/sys/fs/cgroup/memory/" + prefix_ + "/default/101/memory.stat");
  if (stat.has_value()) {
    *stat = "\n" + *stat;
    const size_t at = stat->find("\npgpgin ");
    ASSERT_NE(at, std::string::npos) << *stat;
    EXPECT_GE(std::stoull(stat->substr(at + 8)), kBig / 4096) << *stat;
  }
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
}

TEST_F(BootSetTest, ARecordingDoesNotTakeTheReadAheadForTheBoots) {
  constexpr uint64_t kBig = 8 << 20;
  const std::string log = PutInside("root/log", kBig);
  // A partial set: read ahead, and recorded again.
  ASSERT_TRUE(storage::SaveBootSet(SetPath(), {.files = {{"bin/busybox", 4096},
                                                         {"root/log", kBig}},
                                               .partial = true})
                  .ok());
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return EnteredCache(log, kBig) == kBig; }));
  // As journald does with the journal an unclean stop left: renamed, its
  // header read under the new name.
  auto e = Vzctl(
      {"exec2", "101", "mv /root/log /root/log~ && head -c 64 /root/log~"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  const storage::BootSet set = Set();
  EXPECT_TRUE(set.partial);
  EXPECT_FALSE(Lists(set, "root/log~"));  // its pages were the read-ahead's
  EXPECT_TRUE(Lists(set, "bin/busybox"));
  EXPECT_FALSE(PathExists(SetPath() + ".ahead"));
}

TEST_F(BootSetTest, BrokenOrStaleSetsAreRecordedAgain) {
  // Broken: not used; the start goes on and records a new one.
  ASSERT_TRUE(
      WriteFileAtomic(SetPath(), "vz-boot-set 1\n0 bin/busybox\n").ok());
  StartStop();
  EXPECT_TRUE(Lists(Set(), "bin/busybox"));
  // Stale (two of three files gone): removed by the start that finds it,
  // recorded again by the next.
  ASSERT_TRUE(storage::SaveBootSet(SetPath(), {.files = {{"bin/busybox", 4096},
                                                         {"gone/a", 1},
                                                         {"gone/b", 1}}})
                  .ok());
  ASSERT_EQ(Vzctl({"start", "101"}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return !PathExists(SetPath()); }));
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  EXPECT_FALSE(PathExists(SetPath()));
  StartStop();
  EXPECT_TRUE(Lists(Set(), "bin/busybox"));
}

TEST_F(BootSetTest, AStartFailingWhileReadingAheadLeavesNothingMounted) {
  // A long read-ahead, begun before the init runs, whose exec then fails.
  ASSERT_EQ(Vzctl({"mount", "101"}).exit_code, 0);
  ASSERT_TRUE(
      WriteFileAtomic(Path("/vz/root/101/root/big"), std::string(48 << 20, 'x'))
          .ok());
  ASSERT_EQ(::rename(Path("/vz/root/101/sbin/init").c_str(),
                     Path("/vz/root/101/sbin/init.real").c_str()),
            0);
  ASSERT_EQ(::symlink("/nonexistent", Path("/vz/root/101/sbin/init").c_str()),
            0);
  ASSERT_EQ(Vzctl({"umount", "101"}).exit_code, 0);
  ASSERT_TRUE(
      storage::SaveBootSet(
          SetPath(), {.files = {{"bin/busybox", 4096}, {"root/big", 48 << 20}}})
          .ok());
  auto r = Vzctl({"start", "101"});
  EXPECT_EQ(r.exit_code, 47) << r.err;
  // The reader was ended before the unmount, which its files would hold.
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist unmounted down\n");
  EXPECT_TRUE(PathExists(SetPath()));
}

class DirContainerTest : public ContainerFixture {};

TEST_F(DirContainerTest, DisabledStartsOnlyWithForce) {
  MakeDirContainer("101", "DISABLED=\"yes\"\n");
  EXPECT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 105);
  ASSERT_EQ(Vzctl({"start", "101", "--premounted", "--force"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
}

TEST_F(DirContainerTest, ResourcesFromTheConfigApplyAtStart) {
  MakeDirContainer("101", "PHYSPAGES=\"0:64M\"\nNUMPROC=\"100:100\"\n");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  auto file = [&](const std::string& h, const std::string& f) {
    return ReadFile("/sys/fs/cgroup/" + h + "/" + prefix_ + "/default/101/" + f)
        .value_or("?");
  };
  EXPECT_EQ(file("memory", "memory.limit_in_bytes"), "67108864\n");
  EXPECT_EQ(file("pids", "pids.max"), "100\n");
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
}

TEST_F(DirContainerTest, UnknownContainer) {
  EXPECT_EQ(Vzctl({"start", "999"}).exit_code, 14);
  EXPECT_EQ(Vzctl({"stop", "999"}).exit_code, 14);
  EXPECT_EQ(Vzctl({"exec", "999", "true"}).exit_code, 14);
}

TEST_F(DirContainerTest, ExhaustedIdRangeFailsCleanly) {
  auto conf = ReadFile(Path("/etc/vz/vz.conf"));
  ASSERT_TRUE(WriteFileAtomic(Path("/etc/vz/vz.conf"),
                              *conf + "USERNS_ID_COUNT=\"65536\"\n")
                  .ok());
  MakeDirContainer("101");
  MakeDirContainer("102");
  auto s101 = Vzctl({"start", "101", "--premounted"});
  ASSERT_EQ(s101.exit_code, 0) << s101.err;
  auto s = Vzctl({"start", "102", "--premounted"});
  EXPECT_EQ(s.exit_code, 6) << s.err;  // VZ_RESOURCE_ERROR
  EXPECT_NE(s.err.find("no free ID range"), std::string::npos) << s.err;
  EXPECT_FALSE(PathExists(Path("/run/vz/102.pid")));
  EXPECT_FALSE(PathExists("/sys/fs/cgroup/memory/" + prefix_ + "/default/102"));
  // A privileged container needs no range.
  ASSERT_TRUE(WriteFileAtomic(Path("/etc/vz/conf/102.conf"),
                              "VERSION=\"2\"\nUSERNS=\"no\"\n")
                  .ok());
  ASSERT_EQ(Vzctl({"start", "102", "--premounted"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"stop", "102", "--fast"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
}

// Exec joins the namespaces the init runs in, whatever USERNS says now: a
// container made privileged after it had an ID range, and a running one
// whose config changed since its start.
TEST_F(DirContainerTest, ExecFollowsTheInitsUserNamespaceNotTheConfig) {
  MakeDirContainer("101", "", "while :; do sleep 1; done");
  const std::string conf = Path("/etc/vz/conf/101.conf");
  const auto uid_map = [&] {
    auto r = Vzctl({"exec2", "101", "cat /proc/self/uid_map; id -u"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::istringstream in(r.out);
    std::string inside, outside, count, uid;
    in >> inside >> outside >> count >> uid;
    return outside + " " + uid;
  };
  const auto set_userns = [&](const char* v) {
    auto c = ReadFile(conf);
    ASSERT_TRUE(c.has_value());
    std::string text = *c;
    if (auto at = text.find("USERNS=\""); at != std::string::npos) {
      text.erase(at, text.find('\n', at) + 1 - at);
    }
    ASSERT_TRUE(WriteFileAtomic(conf, text + "USERNS=\"" + v + "\"\n").ok());
  };
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  const std::string mapped = uid_map();
  EXPECT_NE(mapped.substr(0, 2), "0 ") << mapped;  // an ID range, root 0
  EXPECT_EQ(mapped.substr(mapped.find(' ')), " 0");
  set_userns("no");  // while it runs: it stays unprivileged until restarted
  EXPECT_EQ(uid_map(), mapped);
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  EXPECT_EQ(uid_map(), "0 0");  // privileged; LOCAL_UID is still there
  set_userns("yes");
  EXPECT_EQ(uid_map(), "0 0");
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
}

TEST_F(DirContainerTest, CrashIsRecordedAndAutorestartRetries) {
  MakeDirContainer("101", "AUTORESTART=\"on-failure\"\n", "sleep 0.3; exit 3");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  // Crash, then a restart after 1 s, then another crash.
  EXPECT_TRUE(Eventually([&] {
    int starts = 0;
    for (const auto& e : Events("101")) starts += e.starts_with("start:");
    return starts >= 2;
  }));
  EXPECT_TRUE(Has(Events("101"), "crash:exit code 3"));
  // A stop while the monitor waits to restart ends the wait at once.
  const auto before = std::chrono::steady_clock::now();
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(3));
  EXPECT_TRUE(Eventually([&] { return !PathExists(Path("/run/vz/101.pid")); }));
}

TEST_F(DirContainerTest, InitIgnoringShutdownIsKilledAfterTheTimeout) {
  MakeDirContainer("101", "", "trap '' USR2 TERM\nwhile :; do sleep 1; done");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  const auto before = std::chrono::steady_clock::now();
  ASSERT_EQ(Vzctl({"stop", "101", "--timeout", "1"}).exit_code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(6));
  EXPECT_TRUE(Has(Events("101"), "stop:stop-timeout"));
  EXPECT_TRUE(Vzctl({"status", "101"}).out.ends_with(" down\n"));
}

TEST_F(DirContainerTest, OomKillIsRecorded) {
  // The init waits for the test to set a memory limit, then eats memory.
  MakeDirContainer("101", "",
                   "while [ ! -e /tmp/go ]; do sleep 0.1; done\n"
                   "exec tail /dev/zero");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  const std::string limit =
      "/sys/fs/cgroup/memory/" + prefix_ + "/default/101/memory.limit_in_bytes";
  ASSERT_TRUE(WriteFileAtomic(limit, "33554432").ok() ||
              (::system(("echo 33554432 > " + limit).c_str()) == 0));
  ASSERT_EQ(Vzctl({"exec2", "101", "touch /tmp/go"}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return Has(Events("101"), "oom-kill:"); }));
  EXPECT_TRUE(Eventually([&] { return !PathExists(Path("/run/vz/101.pid")); }));
}

TEST_F(DirContainerTest, ExitReasonsShutdownAndSignal) {
  MakeDirContainer("101", "", "sleep 0.2; exit 0");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return Has(Events("101"), "stop:shutdown"); }));
  // A PID namespace's init ignores signals it has no handler for, even
  // its own; SIGKILL from the host is the signal that ends it.
  MakeDirContainer("102", "", "exec sleep 100");
  ASSERT_EQ(Vzctl({"start", "102", "--premounted"}).exit_code, 0);
  auto text = ReadFile(Path("/run/vz/102.pid"));
  ASSERT_TRUE(text.has_value());
  auto lines = SplitNonEmpty(*text, '\n');
  ASSERT_GE(lines.size(), 2u);
  ASSERT_EQ(::kill(std::atoi(lines[1].c_str()), SIGKILL), 0);
  EXPECT_TRUE(Eventually([&] { return Has(Events("102"), "signal:SIGKILL"); }));
  EXPECT_TRUE(Eventually([&] {
    return !PathExists(Path("/run/vz/101.pid")) &&
           !PathExists(Path("/run/vz/102.pid"));
  }));
}

// The monitor locks its memory once the start is reported (DESIGN §3: it
// survives memory pressure), not before: what the start touched is locked.
TEST_F(DirContainerTest, TheMonitorLocksItsMemoryOnceStarted) {
  MakeDirContainer("101");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  auto text = ReadFile(Path("/run/vz/101.pid"));
  ASSERT_TRUE(text.has_value());
  const std::string monitor = std::to_string(std::atoi(text->c_str()));
  uint64_t locked_kb = 0;
  EXPECT_TRUE(Eventually([&] {
    auto status = ReadFile("/proc/" + monitor + "/status");
    if (!status.has_value()) return false;
    const size_t at = status->find("\nVmLck:");
    if (at == std::string::npos) return false;
    locked_kb = std::strtoull(status->c_str() + at + 8, nullptr, 10);
    return locked_kb > 0;
  })) << "VmLck "
      << locked_kb << " kB";
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
}

TEST_F(DirContainerTest, StaleStateAfterMonitorKillIsRecovered) {
  MakeDirContainer("101");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  auto text = ReadFile(Path("/run/vz/101.pid"));
  ASSERT_TRUE(text.has_value());
  pid_t monitor = std::atoi(text->c_str());
  ASSERT_GT(monitor, 0);
  ASSERT_EQ(::kill(monitor, SIGKILL), 0);
  EXPECT_TRUE(Eventually([&] {
    auto stat = ReadFile("/proc/" + std::to_string(monitor) + "/stat");
    return !stat.has_value() || stat->find(") Z") != std::string::npos;
  }));
  auto st = Vzctl({"status", "101"});
  auto r = Vzctl({"recover", "--all"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Recovered container 101"), std::string::npos) << r.out;
  EXPECT_FALSE(PathExists(Path("/run/vz/101.pid")));
  EXPECT_TRUE(Has(Events("101"), "recover:"));
  // Nothing alive is touched: a second recover finds nothing.
  EXPECT_EQ(Vzctl({"recover", "101"}).out,
            "Container 101 has no stale state\n");
  // And it starts again.
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
}

// A monitor killed while its container runs leaves the container's
// processes running, unmanaged: status and exec say so (and how to end
// them), and a stop ends them and succeeds; a second stop finds nothing.
TEST_F(DirContainerTest, AContainerThatLostItsMonitorIsSaidSoAndStopped) {
  MakeDirContainer("101", "", "while :; do sleep 1; done");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  auto text = ReadFile(Path("/run/vz/101.pid"));
  ASSERT_TRUE(text.has_value());
  pid_t monitor = std::atoi(text->c_str());
  ASSERT_GT(monitor, 0);
  ASSERT_EQ(::kill(monitor, SIGKILL), 0);  // ours, by pid
  EXPECT_TRUE(Eventually([&] {
    auto stat = ReadFile("/proc/" + std::to_string(monitor) + "/stat");
    return !stat.has_value() || stat->find(") Z") != std::string::npos;
  }));
  auto st = Vzctl({"status", "101"});
  EXPECT_EQ(st.exit_code, 0);
  EXPECT_TRUE(st.out.ends_with(" down\n")) << st.out;  // OpenVZ's line
  EXPECT_NE(st.err.find("has lost its monitor"), std::string::npos) << st.err;
  auto ex = Vzctl({"exec2", "101", "true"});
  EXPECT_EQ(ex.exit_code, 31);
  EXPECT_NE(ex.err.find("not running under vz"), std::string::npos) << ex.err;
  EXPECT_NE(ex.err.find("'vzctl stop 101'"), std::string::npos) << ex.err;
  auto stop = Vzctl({"stop", "101"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.err.find("had lost its monitor"), std::string::npos)
      << stop.err;
  EXPECT_FALSE(PathExists(Path("/run/vz/101.pid")));
  EXPECT_TRUE(Has(Events("101"), "recover:stale monitor state cleaned"));
  EXPECT_EQ(Vzctl({"stop", "101"}).exit_code, 31);
}

// The stop's own monitor killed while the init takes its time: the stop
// cleans up what the monitor left (as recover does) and still succeeds.
TEST_F(DirContainerTest, AMonitorKilledDuringItsStopIsRecoveredByTheStop) {
  // The init marks the stop's signal, which it ignores otherwise.
  MakeDirContainer("101", "",
                   "trap 'touch /tmp/stopping' USR2 TERM\n"
                   "while :; do sleep 1; done");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  auto text = ReadFile(Path("/run/vz/101.pid"));
  ASSERT_TRUE(text.has_value());
  const pid_t monitor = std::atoi(text->c_str());
  ASSERT_GT(monitor, 0);
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, monitor, 0)));
  ASSERT_TRUE(pidfd.valid());
  // Killed once the stop has asked the init to shut down, while it waits
  // up to 30 s for it (a thread: it only polls and signals; the stop runs
  // here). Through a pidfd: never another process that took the pid.
  const std::string mark = Path("/vz/root/101/tmp/stopping");
  std::thread killer([&mark, fd = pidfd.get()] {
    for (int i = 0; i < 2000 && !PathExists(mark); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
  });
  auto stop = Vzctl({"stop", "101", "--timeout", "30"});
  killer.join();
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_FALSE(PathExists(Path("/run/vz/101.pid")));
  EXPECT_TRUE(Has(Events("101"), "recover:"));
  EXPECT_TRUE(Vzctl({"status", "101"}).out.ends_with(" down\n"));
}

// The init ends by itself just as a vzctl stop takes the lock and asks the
// monitor to stop: the monitor, waiting for the lock to tear down, answers
// the request meanwhile and tears down under the stop's lock. Before, it
// answered only after giving up on the lock (10 s), and then, with
// AUTORESTART, waited up to 60 s more for the lock to restart.
TEST_F(DirContainerTest, AStopAskedWhileTheInitEndsByItselfIsAnsweredAtOnce) {
  MakeDirContainer("101", "AUTORESTART=\"on-failure\"\n",
                   "while [ ! -e /tmp/go ]; do sleep 0.1; done\nexit 3");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  auto node = NodeConfig::Load(node_);
  ASSERT_TRUE(node.has_value()) << node.error().message();
  // The stop's side, played here: the lock first.
  auto lock = ContainerLock::Acquire(node->lock_dir(), "101");
  ASSERT_TRUE(lock.has_value()) << lock.error().message();
  auto pids =
      SplitNonEmpty(ReadFile(Path("/run/vz/101.pid")).value_or(""), '\n');
  ASSERT_GE(pids.size(), 2u);  // monitor, init[, premounted]
  const std::string init = "/proc/" + pids[1];
  ASSERT_TRUE(PathExists(init));
  ASSERT_TRUE(WriteFileAtomic(Path("/vz/root/101/tmp/go"), "").ok());
  // The init has ended and been reaped: the monitor waits for the lock.
  ASSERT_TRUE(Eventually([&] { return !PathExists(init); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto asked = std::chrono::steady_clock::now();
  auto conn = container::ConnectMonitor(*node, "101", "stop 10 1 0\n");
  const auto answered = std::chrono::steady_clock::now();
  ASSERT_TRUE(conn.has_value()) << conn.error().message();
  // Well before the monitor would give up on the lock.
  EXPECT_LT(answered - asked, std::chrono::seconds(8));
  // It ends without restarting, the lock still ours.
  EXPECT_TRUE(Eventually([&] { return !PathExists(Path("/run/vz/101.pid")); }));
  EXPECT_TRUE(Vzctl({"status", "101"}).out.ends_with(" down\n"));
}

TEST_F(DirContainerTest, PidFileOfAnotherProgramIsStaleAfterAReboot) {
  // After a reboot the pid in the file may belong to anyone: here, to this
  // test (alive, but no vz-monitor), with a start time that differs too.
  MakeDirContainer("101");
  ASSERT_TRUE(MakeDirs(Path("/run/vz")).ok());
  ASSERT_TRUE(WriteFileAtomic(Path("/run/vz/101.pid"),
                              std::to_string(::getpid()) + " 1\n4242\n")
                  .ok());
  EXPECT_EQ(Vzctl({"exec", "101", "true"}).exit_code, 31);
  auto s = Vzctl({"start", "101", "--premounted"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_TRUE(Has(Events("101"), "recover:"));
  EXPECT_EQ(::kill(::getpid(), 0), 0);  // nothing alive was touched
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
}

TEST_F(DirContainerTest, ActionScriptsRunWithVeidAndConffile) {
  MakeDirContainer("101");
  const std::string log = dir_.Join("scripts.log");
  for (const char* s :
       {"vps.premount", "101.mount", "101.umount", "vps.postumount"}) {
    ASSERT_TRUE(WriteFileAtomic(Path(std::string("/etc/vz/conf/") + s),
                                "echo " + std::string(s) +
                                    " $VEID $VE_CONFFILE >> " + log + "\n")
                    .ok());
  }
  ASSERT_TRUE(WriteFileAtomic(Path("/etc/vz/conf/101.start"),
                              "echo started > /tmp/started\n")
                  .ok());
  // Storage scripts run only when start mounts storage: a directory
  // container runs the in-container start script only.
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"exec2", "101", "cat /tmp/started"}).out, "started\n");
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
  EXPECT_FALSE(PathExists(log));
}

TEST_F(DirContainerTest, RoutedNetworkInANamespaceOfTheTest) {
  // vzctl and the monitor run in a network namespace of this test, so the
  // host side of the container's link never touches the node's network.
  MakeDirContainer("101", "IP_ADDRESS=\"10.77.0.2\"\n");
  const std::string vzctl = BuildDir() + "/vzctl/vzctl --root " + root_;
  auto r = RunSubprocess(
      {"unshare", "--net", "sh", "-c",
       "ip link set lo up && ip addr add 10.77.0.1/32 dev lo && " + vzctl +
           " start 101 --premounted && " +
           "/bin/busybox ping -c1 -W2 10.77.0.2 >/dev/null && echo reached"});
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->out.find("reached"), std::string::npos) << r->out << r->err;
  auto addr = Vzctl({"exec2", "101", "ip -4 -o addr show venet0"}).out;
  EXPECT_NE(addr.find("10.77.0.2/32"), std::string::npos) << addr;
  EXPECT_NE(Vzctl({"exec2", "101", "ip route"}).out.find("default dev venet0"),
            std::string::npos);
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
}

TEST_F(DirContainerTest, FailedStartRemovesItsNetwork) {
  MakeDirContainer("101", "IP_ADDRESS=\"10.77.0.2\"\n");
  ASSERT_EQ(::unlink(Path("/vz/root/101/bin/sleep").c_str()), 0);
  ASSERT_EQ(::unlink(Path("/vz/root/101/sbin/init").c_str()), 0);
  ASSERT_EQ(::symlink("/sbin/init", Path("/vz/root/101/sbin/init").c_str()), 0);
  const std::string vzctl = BuildDir() + "/vzctl/vzctl --root " + root_;
  auto r =
      RunSubprocess({"unshare", "--net", "sh", "-c",
                     vzctl + " start 101 --premounted; echo rc=$?; ip -o link; "
                             "nft list ruleset"});
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->out.find("rc=7"), std::string::npos) << r->out << r->err;
  EXPECT_EQ(r->out.find("vzr"), std::string::npos) << r->out;
  // The node's table stays; the container's chains go.
  EXPECT_EQ(r->out.find("_r_out"), std::string::npos) << r->out;
}

TEST_F(DirContainerTest, IdmappedRootKeepsHostOwnershipOnDisk) {
  MakeDirContainer("101");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"exec2", "101",
                   "touch /root/made-inside && "
                   "stat -c %u /root/made-inside /bin/busybox"})
                .out,
            "0\n0\n");
  struct stat st;
  ASSERT_EQ(::stat(Path("/vz/root/101/root/made-inside").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);  // container root's files are host root's on disk
  auto conf = ReadFile(Path("/etc/vz/conf/101.conf"));
  EXPECT_NE(conf->find("LOCAL_UID=\"1000000\""), std::string::npos) << *conf;
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
}

TEST_F(DirContainerTest, CapabilitiesAndDevicesFromTheConfig) {
  MakeDirContainer("101",
                   "CAPABILITY=\"net_admin:off\"\nFEATURES=\"tun:on\"\n");
  MakeDirContainer("102");
  auto s101 = Vzctl({"start", "101", "--premounted"});
  ASSERT_EQ(s101.exit_code, 0) << s101.err;
  ASSERT_EQ(Vzctl({"start", "102", "--premounted"}).exit_code, 0);
  // CAP_NET_ADMIN is bit 12 of the bounding set.
  auto bnd = [&](const char* ct) {
    auto out = Vzctl({"exec2", ct, "grep CapBnd /proc/self/status"}).out;
    return std::stoull(out.substr(out.find(':') + 1), nullptr, 16);
  };
  EXPECT_EQ(bnd("101") & (1ull << 12), 0u);
  EXPECT_NE(bnd("102") & (1ull << 12), 0u);
  EXPECT_EQ(bnd("102") & (1ull << 16), 0u);  // CAP_SYS_MODULE never
  EXPECT_NE(Vzctl({"exec2", "101", "ip link set lo mtu 1400"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"exec2", "102", "ip link set lo mtu 1400"}).exit_code, 0);
  // tun: the node is there and opens (EBADFD: no interface attached yet).
  auto tun = Vzctl({"exec2", "101", "cat /dev/net/tun 2>&1"}).out;
  EXPECT_NE(tun.find("in bad state"), std::string::npos) << tun;
  EXPECT_NE(Vzctl({"exec2", "102", "test -e /dev/net/tun"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"stop", "102", "--fast"}).exit_code, 0);
  EXPECT_FALSE(PathExists(Path("/run/vz/dev/101")));
}

TEST_F(DirContainerTest, RunscriptRunsAHostScriptInside) {
  MakeDirContainer("101", "HOSTNAME=\"inside\"\n");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  const std::string script = dir_.Join("probe.sh");
  ASSERT_TRUE(WriteFileAtomic(
                  script, "echo \"$(hostname) $(cat /proc/1/comm)\"\nexit 4\n")
                  .ok());
  auto r = Vzctl({"runscript", "101", script});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "inside init\n");
  EXPECT_EQ(Vzctl({"runscript", "101", dir_.Join("missing.sh")}).exit_code,
            3);  // the host script is not there
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
}

TEST_F(DirContainerTest, EnterGivesAShellOnAPtyOfItsOwn) {
  MakeDirContainer("101");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  std::vector<std::string> argv = {BuildDir() + "/vzctl/vzctl", "--root", root_,
                                   "enter", "101"};
  auto r = RunSubprocess(argv, {.stdin_data = "tty; echo $((6*7)); exit 5\n",
                                .timeout = std::chrono::seconds(10)});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 5) << r->out << r->err;
  EXPECT_NE(r->out.find("/dev/pts/"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("42"), std::string::npos) << r->out;
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
}

// As on a machine, the console is the init's output but not its
// controlling terminal (field 7 of /proc/1/stat, tty_nr, is 0): systemd's
// vhangup() of the console at boot would otherwise SIGHUP it into a
// daemon-reload.
TEST_F(DirContainerTest, ConsoleIsNotTheInitsControllingTerminal) {
  MakeDirContainer("101");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  auto r = Vzctl({"exec2", "101", "cut -d' ' -f7 /proc/1/stat"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Trim(r.out), "0");
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
}

TEST_F(DirContainerTest, ConsoleShowsOutputAndEscDotDetaches) {
  MakeDirContainer("101");
  ASSERT_EQ(Vzctl({"start", "101", "--premounted"}).exit_code, 0);
  ASSERT_EQ(
      Vzctl({"exec2", "101", "echo hello-console > /dev/console"}).exit_code,
      0);
  std::vector<std::string> argv = {BuildDir() + "/vzctl/vzctl", "--root", root_,
                                   "console", "101"};
  auto r = RunSubprocess(
      argv, {.stdin_data = "\x1b.", .timeout = std::chrono::seconds(10)});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_NE(r->out.find("hello-console"), std::string::npos) << r->out;
  ASSERT_EQ(Vzctl({"stop", "101"}).exit_code, 0);
}

}  // namespace
}  // namespace vz::testing
