// Limits hold, seen from inside a running busybox container: memory past
// --ram is OOM-killed and journaled, forks past --numproc fail, a CPU hog
// is held to --cpulimit, --cpuunits splits a contended CPU in proportion,
// --iolimit caps what a writer inside gets. CPU shares are read from the
// kernel's own accounting (cpuacct), with wide margins: these check that
// the limit holds, not how fast anything is.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "base/size.h"
#include "base/strings.h"
#include "libvz/cgroup.h"
#include "test/integration/container_fixture.h"

namespace vz::testing {
namespace {

class LimitsTest : public ContainerFixture {
 protected:
  void SetUp() override {
    ContainerFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    BuildBusybox();
  }

  void Make(const std::string& ctid, std::vector<std::string> set) {
    ASSERT_EQ(Vzctl({"-q", "create", ctid, "--ostemplate", kBusybox,
                     "--allow-unsigned"})
                  .exit_code,
              0);
    set.insert(set.begin(), {"-q", "set", ctid});
    set.push_back("--save");
    auto r = Vzctl(set);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(Vzctl({"-q", "start", ctid}).exit_code, 0);
  }

  void Gone(const std::string& ctid) {
    EXPECT_EQ(Vzctl({"-q", "stop", ctid, "--fast"}).exit_code, 0);
    EXPECT_EQ(Vzctl({"-q", "destroy", ctid}).exit_code, 0);
  }

  uint64_t CpuNs(const std::string& ctid) {
    auto fs = cgroup::Detect();
    auto cg =
        cgroup::Open(*fs, cgroup::ContainerPath(prefix_, "default", ctid));
    return ParseUint(Trim(cg->Get("cpuacct", "cpuacct.usage").value_or("0")))
        .value_or(0);
  }
};

// lxcfs: what the container reads matches what it was given, and the view
// comes back when lxcfs dies (the monitor restarts it and rebinds).
TEST_F(LimitsTest, TheContainerSeesItsOwnResources) {
  Make("101", {"--ram", "256M", "--cpus", "1", "--diskspace", "2G"});
  auto view = [&] {
    return Vzctl({"exec2", "101",
                  "head -1 /proc/meminfo; cat /sys/devices/system/cpu/online;"
                  " grep -c ^processor /proc/cpuinfo"})
        .out;
  };
  const std::string want = "MemTotal:         262144 kB\n0\n1\n";
  EXPECT_EQ(view(), want);
  auto up = Vzctl({"exec2", "101", "cut -d. -f1 /proc/uptime"}).out;
  auto secs = ParseUint(Trim(up));
  ASSERT_TRUE(secs.has_value()) << up;
  EXPECT_LT(*secs, 120u);  // its own uptime, not the host's
  auto df = Vzctl({"exec2", "101", "df -k / | tail -1"}).out;
  auto f = SplitNonEmpty(df, ' ');
  ASSERT_GE(f.size(), 2u) << df;
  auto kb = ParseUint(f[1]);
  ASSERT_TRUE(kb.has_value()) << df;
  EXPECT_GT(*kb, 1800000u);  // 2G disk minus ext4's own
  EXPECT_LE(*kb, 2097152u);
  EXPECT_EQ(Vzctl({"exec2", "101", "cat /proc/loadavg"}).exit_code, 0);
  auto la = Tool("vzlist", {"101", "-H", "-o", "laverage"}).out;
  EXPECT_EQ(SplitNonEmpty(Trim(la), ' ').size(), 3u) << la;
  // lxcfs dies (a crash): the view returns without a restart of the
  // container.
  auto pid = ParseUint(Trim(ReadFile(Path("/run/vz/lxcfs.pid")).value_or("")));
  ASSERT_TRUE(pid.has_value());
  ASSERT_EQ(::kill(static_cast<pid_t>(*pid), SIGKILL), 0);  // ours, by pid
  EXPECT_TRUE(Eventually([&] { return view() == want; }, 15)) << view();
  Gone("101");
}

// Older versions made <root>/var/lib/vz 0700 along with the host key pool
// below it; an unprivileged container's init could then not reach the
// lxcfs files, and it ran with the host's. A start makes it searchable.
TEST_F(LimitsTest, TheViewIsReachedThoughVarLibVzWasMadePrivate) {
  const std::string vz = Path("/var/lib/vz");
  ASSERT_TRUE(MakeDirs(vz).ok());
  ASSERT_EQ(::chmod(vz.c_str(), 0700), 0);
  Make("101", {"--ram", "256M"});
  EXPECT_EQ(Vzctl({"exec2", "101", "head -1 /proc/meminfo"}).out,
            "MemTotal:         262144 kB\n");
  struct stat st;
  ASSERT_EQ(::stat(vz.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0711u);
  Gone("101");
}

TEST_F(LimitsTest, BindMountsAreThereAtStartReadOnlyWhenAsked) {
  const std::string host = dir_.Join("shared");
  ASSERT_TRUE(MakeDirs(host).ok());
  ASSERT_TRUE(WriteFileAtomic(host + "/hello", "from the host\n", 0644).ok());
  ::chmod(host.c_str(), 0755);
  Make("101", {"--bindmount_add", host + ":/mnt/shared/data:ro"});
  EXPECT_EQ(Vzctl({"exec2", "101", "cat /mnt/shared/data/hello"}).out,
            "from the host\n");
  EXPECT_NE(Vzctl({"exec2", "101", "touch /mnt/shared/data/x"}).exit_code, 0);
  EXPECT_FALSE(PathExists(host + "/x"));
  EXPECT_EQ(Vzctl({"set", "101", "--bindmount_add", "rel:/x"}).exit_code, 21);
  EXPECT_EQ(Vzctl({"set", "101", "--bindmount_del", "/nope"}).exit_code, 21);
  // The source moved away on the host: the running container keeps its
  // mount, and exec into it still works (only a start checks sources).
  ASSERT_EQ(::rename(host.c_str(), (host + ".moved").c_str()), 0);
  auto ex = Vzctl({"exec2", "101", "cat /mnt/shared/data/hello"});
  EXPECT_EQ(ex.exit_code, 0) << ex.err;
  EXPECT_EQ(ex.out, "from the host\n");
  ASSERT_EQ(::rename((host + ".moved").c_str(), host.c_str()), 0);
  Gone("101");
}

TEST_F(LimitsTest, MemoryPastRamIsOomKilledAndJournaled) {
  Make("101", {"--ram", "32M", "--swap", "0"});
  // dd fills a 96 MiB buffer: more than the container may have.
  auto r =
      Vzctl({"exec2", "101", "dd if=/dev/zero of=/dev/null bs=96M count=1"});
  EXPECT_EQ(r.exit_code, 137) << r.err;  // SIGKILL by the OOM killer
  EXPECT_TRUE(Eventually([&] {
    for (const auto& e : Events("101")) {
      if (e.starts_with("oom-kill:")) return true;
    }
    return false;
  }));
  // The container itself lives on.
  EXPECT_EQ(Vzctl({"exec2", "101", "true"}).exit_code, 0);
  Gone("101");
}

TEST_F(LimitsTest, ForksPastNumprocFail) {
  Make("101", {"--numproc", "16"});
  // 40 sleepers asked for; the forks past the limit fail (and the shell
  // that tried may give up). They are counted from the host, in the cgroup.
  Vzctl({"exec2", "101",
         "(for i in $(seq 40); do sleep 30 & done) 2>/dev/null; exit 0"});
  auto fs = cgroup::Detect();
  ASSERT_TRUE(fs.has_value());
  auto cg = cgroup::Open(*fs, cgroup::ContainerPath(prefix_, "default", "101"));
  auto pids = cg->Pids();
  ASSERT_TRUE(pids.has_value());
  EXPECT_LE(pids->size(), 16u);
  EXPECT_GE(pids->size(), 10u);  // init, getty and most sleepers
  EXPECT_EQ(cg->Get("pids", "pids.max").value_or("?"), "16");
  Gone("101");
}

// The monitor steps into the container's cgroup to clone the init there
// (doc/runtime.md §4); with room for one process only, its own presence
// makes that clone fail, and the init is cloned outside and moved in.
TEST_F(LimitsTest, ContainerWithRoomForOneProcessStillStarts) {
  Make("101", {"--numproc", "1"});
  auto fs = cgroup::Detect();
  ASSERT_TRUE(fs.has_value());
  auto cg = cgroup::Open(*fs, cgroup::ContainerPath(prefix_, "default", "101"));
  auto pids = cg->Pids();
  ASSERT_TRUE(pids.has_value());
  EXPECT_EQ(pids->size(), 1u);  // the init, and not the monitor
  EXPECT_EQ(cg->Get("pids", "pids.max").value_or("?"), "1");
  Gone("101");
}

TEST_F(LimitsTest, CpuHogIsHeldToCpulimit) {
  Make("101", {"--cpulimit", "25"});
  const uint64_t before = CpuNs("101");
  auto r =
      Vzctl({"exec2", "101", "timeout 3 sh -c 'while :; do :; done'; true"});
  const double used = static_cast<double>(CpuNs("101") - before) / 1e9;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // 25% of one CPU over 3 s is 0.75 s; unlimited would be up to 3 s.
  EXPECT_LT(used, 1.2) << used;
  EXPECT_GT(used, 0.3) << used;
  Gone("101");
}

TEST_F(LimitsTest, CpuunitsSplitAContendedCpuInProportion) {
  Make("101", {"--cpuunits", "1000", "--cpumask", "0"});
  Make("102", {"--cpuunits", "3000", "--cpumask", "0"});
  const uint64_t a0 = CpuNs("101"), b0 = CpuNs("102");
  std::thread t([&] {
    Vzctl({"exec2", "101", "timeout 4 sh -c 'while :; do :; done'; true"});
  });
  Vzctl({"exec2", "102", "timeout 4 sh -c 'while :; do :; done'; true"});
  t.join();
  const double a = static_cast<double>(CpuNs("101") - a0);
  const double b = static_cast<double>(CpuNs("102") - b0);
  ASSERT_GT(a, 0);
  // 3:1 asked; the kernel's CFS gets close on one shared CPU.
  EXPECT_GT(b / a, 2.0) << a / 1e9 << " s vs " << b / 1e9 << " s";
  EXPECT_LT(b / a, 4.5) << a / 1e9 << " s vs " << b / 1e9 << " s";
  Gone("101");
  Gone("102");
}

TEST_F(LimitsTest, IolimitCapsAWriterInside) {
  Make("101", {"--iolimit", "4M"});
  // 24 MiB with O_DIRECT past the page cache: at 4 MiB/s that takes
  // seconds (a burst of one second's worth aside), never a blink.
  const auto t0 = std::chrono::steady_clock::now();
  auto r = Vzctl({"exec2", "101",
                  "dd if=/dev/zero of=/root/f bs=1M count=24 oflag=direct "
                  "2>/dev/null && echo done"});
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(r.out, "done\n") << r.err;
  EXPECT_GT(secs, 3.0);
  Gone("101");
}

}  // namespace
}  // namespace vz::testing
