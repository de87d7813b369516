// vzctl set: validation, --save and the config round trip, and live
// resource changes on a container's real cgroup (a process of the test's
// standing in for the container's init; the runtime tests start real ones).
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "libvz/cgroup.h"
#include "test/integration/container_fixture.h"

namespace vz::testing {
namespace {

class SetTest : public ContainerFixture {
 protected:
  void SetUp() override {
    ContainerFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    BuildBusybox();
    ASSERT_EQ(Vzctl({"-q", "create", "101", "--ostemplate", kBusybox,
                     "--allow-unsigned"})
                  .exit_code,
              0);
  }

  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);  // ours, by pid
      ::waitpid(child_, nullptr, 0);
    }
    if (cg_) (void)cg_->Remove(std::chrono::seconds(5));
    ContainerFixture::TearDown();
  }

  std::string Conf() { return *ReadFile(Path("/etc/vz/conf/101.conf")); }

  // The container's cgroup with one process of ours in it that holds
  // `hold_mb` MiB of memory.
  void FakeRunning(size_t hold_mb) {
    auto fs = cgroup::Detect();
    ASSERT_TRUE(fs.has_value());
    cg_ = cgroup::Open(*fs, cgroup::ContainerPath(prefix_, "default", "101"));
    ASSERT_TRUE(cg_->Create().ok());
    // The child touches its memory only once it is in the cgroup: pages
    // are charged where they are first touched (v1 does not move them
    // with the task), so touching them before the attach left the cgroup
    // nearly empty and a lower limit went through.
    int ready[2], go[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(go), 0);
    child_ = ::fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      char c;
      if (::read(go[0], &c, 1) != 1) ::_exit(1);
      char* p = static_cast<char*>(::mmap(nullptr, hold_mb << 20,
                                          PROT_READ | PROT_WRITE,
                                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
      std::memset(p, 1, hold_mb << 20);
      (void)::write(ready[1], "x", 1);
      for (;;) ::pause();
    }
    ::close(ready[1]);
    ::close(go[0]);
    ASSERT_TRUE(cg_->Attach(child_).ok());
    ASSERT_EQ(::write(go[1], "x", 1), 1);
    ::close(go[1]);
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);  // touched inside the cgroup
    ::close(ready[0]);
  }

  pid_t child_ = -1;
  std::unique_ptr<cgroup::Cgroup> cg_;
};

TEST_F(SetTest, SavesCanonicalValuesAndRefusesBadOnesUntouched) {
  auto r =
      Vzctl({"set",       "101", "--ram",       "512M", "--swap",     "131072P",
             "--cpus",    "1",   "--cpulimit",  "50%",  "--cpuunits", "2000",
             "--numproc", "300", "--iolimit",   "10",   "--ioprio",   "6",
             "--onboot",  "yes", "--bootorder", "5",    "--save"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string conf = Conf();
  for (const char* kv : {"PHYSPAGES=\"0:512M\"", "SWAPPAGES=\"0:512M\"",
                         "CPUS=\"1\"", "CPULIMIT=\"50\"", "CPUUNITS=\"2000\"",
                         "NUMPROC=\"300:300\"", "IOLIMIT=\"10485760\"",
                         "IOPRIO=\"6\"", "ONBOOT=\"yes\"", "BOOTORDER=\"5\""}) {
    EXPECT_NE(conf.find(kv), std::string::npos) << kv << "\n" << conf;
  }
  // Bad values: OpenVZ's codes, the config byte for byte as it was.
  struct Case {
    std::vector<std::string> args;
    int code;
  };
  for (const Case& c : std::vector<Case>{
           {{"--ram", "-1G"}, 21},
           {{"--ram", "lots"}, 21},
           {{"--cpumask", "0-4095"}, 21},
           {{"--cpuunits", "5"}, 21},
           {{"--ioprio", "9"}, 21},
           {{"--hostname", "bad_host!"}, 70},
           {{"--onboot", "sometimes"}, 21},
           {{"--features", "iptables:on"}, 21},
           {{"--features", "tun:yes"}, 21},
           {{"--unknown-field", "1"}, 20},
           {{"--applyconfig", "missing"}, 109},
           // Its next start would fail (a restart would leave it down).
           {{"--bindmount_add", "/nonexistent-vz-src:/mnt/x"}, 21},
       }) {
    std::vector<std::string> argv = {"set", "101"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    argv.push_back("--save");
    auto bad = Vzctl(argv);
    EXPECT_EQ(bad.exit_code, c.code) << c.args[0] << ": " << bad.err;
    EXPECT_EQ(Conf(), conf) << c.args[0];
  }
  EXPECT_EQ(Vzctl({"set", "999", "--ram", "1G"}).exit_code, 14);
  // Without --save, a stopped container changes nothing.
  auto nosave = Vzctl({"set", "101", "--ram", "1G"});
  EXPECT_NE(nosave.out.find("nothing was changed"), std::string::npos);
  EXPECT_EQ(Conf(), conf);
  // --applyconfig copies a plan's parameters, not the identity.
  ASSERT_EQ(Vzctl({"-q", "set", "101", "--applyconfig", "vswap-1g", "--save"})
                .exit_code,
            0);
  EXPECT_NE(Conf().find("PHYSPAGES=\"0:1G\""), std::string::npos) << Conf();
  EXPECT_NE(Conf().find("OSTEMPLATE=\"busybox-1.35-x86_64\""),
            std::string::npos);
}

// --features adds to what the config has, as OpenVZ's does; a feature vz
// does not gate is kept with a warning that says so.
TEST_F(SetTest, FeaturesAreMergedAndTheUngatedOnesSaySo) {
  auto r = Vzctl({"set", "101", "--features", "tun:on", "--save"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  r = Vzctl({"set", "101", "--features", "sit:on,fuse:on", "--save"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: FEATURES sit: not gated"), std::string::npos)
      << r.err;
  r = Vzctl({"set", "101", "--features", "tun:off", "--save"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(Conf().find("FEATURES=\"sit:on fuse:on tun:off\""),
            std::string::npos)
      << Conf();
}

// A config from before vz checked FEATURES (any word was taken) still
// starts, and so does one asking for a device the host lacks: the start
// goes on without it, and `set` says so when it is asked for.
TEST_F(SetTest, FeaturesAStartCannotHonourDoNotStopIt) {
  struct stat st;
  const bool no_ppp = ::stat("/dev/ppp", &st) != 0;
  ASSERT_TRUE(
      WriteFileAtomic(Path("/etc/vz/conf/101.conf"),
                      Conf() + "FEATURES=\"iptables:on ppp:on fuse:on\"\n")
          .ok());
  auto r = Vzctl({"start", "101"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto e = Vzctl({"exec2", "101", "test -c /dev/fuse"});
  EXPECT_EQ(e.exit_code, 0) << e.err;
  if (no_ppp) {
    EXPECT_NE(Vzctl({"exec2", "101", "test -e /dev/ppp"}).exit_code, 0);
    auto w = Vzctl({"set", "101", "--features", "ppp:on"});
    EXPECT_EQ(w.exit_code, 0) << w.err;
    EXPECT_NE(w.err.find("the host has no /dev/ppp"), std::string::npos)
        << w.err;
  }
  // A fix through --features drops the word that does not parse.
  r = Vzctl({"set", "101", "--features", "ppp:off", "--save"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(Conf().find("FEATURES=\"fuse:on ppp:off\""), std::string::npos)
      << Conf();
  EXPECT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
}

// A stopped container's disk is resized when the change is saved: a shrink
// below what its filesystem holds is refused then (154), the config as it
// was, instead of failing the next start and leaving the container down.
TEST_F(SetTest, AStoppedContainersDiskIsResizedWhenSaved) {
  const std::string conf = Conf();
  auto tiny = Vzctl({"set", "101", "--diskspace", "8M", "--save"});
  EXPECT_EQ(tiny.exit_code, 154) << tiny.err;
  EXPECT_NE(tiny.err.find("resize2fs"), std::string::npos) << tiny.err;
  EXPECT_EQ(Conf(), conf);
  auto ok = Vzctl({"set", "101", "--diskspace", "1G", "--save"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("The disk was resized"), std::string::npos) << ok.out;
  EXPECT_NE(Conf().find("DISKSPACE=\"1048576:1048576\""), std::string::npos)
      << Conf();
  // Mounted as it is (no resize at this mount): its filesystem is 1G.
  auto m = Vzctl({"-q", "mount", "101"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  struct statvfs v {};
  ASSERT_EQ(::statvfs(Path("/vz/root/101").c_str(), &v), 0);
  const uint64_t bytes = uint64_t{v.f_blocks} * v.f_frsize;
  EXPECT_GT(bytes, uint64_t{900} << 20);
  EXPECT_LE(bytes, uint64_t{1} << 30);
  EXPECT_EQ(Vzctl({"-q", "umount", "101"}).exit_code, 0);
}

TEST_F(SetTest, AppliesLimitsLiveToTheRunningContainersCgroup) {
  FakeRunning(8);
  auto r =
      Vzctl({"set", "101", "--ram", "256M", "--cpulimit", "25", "--cpuunits",
             "500", "--numproc", "50", "--cpumask", "0", "--save"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Resource limits applied"), std::string::npos);
  EXPECT_EQ(*cg_->Get("memory", "memory.limit_in_bytes"), "268435456");
  EXPECT_EQ(*cg_->Get("cpu", "cpu.cfs_quota_us"), "25000");
  EXPECT_EQ(*cg_->Get("cpu", "cpu.shares"), "512");
  EXPECT_EQ(*cg_->Get("pids", "pids.max"), "50");
  EXPECT_EQ(*cg_->Get("cpuset", "cpuset.cpus"), "0");
  // Not saved: applied live only, the config keeps the old value.
  auto live = Vzctl({"set", "101", "--numproc", "60"});
  ASSERT_EQ(live.exit_code, 0);
  EXPECT_EQ(*cg_->Get("pids", "pids.max"), "60");
  EXPECT_NE(Conf().find("NUMPROC=\"50:50\""), std::string::npos);
  // Below what runs (a second process of ours joins): the kernel allows
  // it; the admin is told what it means.
  pid_t second = ::fork();
  if (second == 0) {
    for (;;) ::pause();
  }
  ASSERT_GT(second, 0);
  const bool attached = cg_->Attach(second).ok();
  auto below = Vzctl({"set", "101", "--numproc", "1"});
  ::kill(second, SIGKILL);  // ours, by pid
  ::waitpid(second, nullptr, 0);
  ASSERT_TRUE(attached);
  ASSERT_EQ(below.exit_code, 0) << below.err;
  EXPECT_EQ(*cg_->Get("pids", "pids.max"), "1");
  EXPECT_NE(below.err.find("no new one can start"), std::string::npos)
      << below.err;
}

TEST_F(SetTest, ALimitBelowCurrentUseIsRefusedAndNothingChanges) {
  FakeRunning(64);
  ASSERT_EQ(Vzctl({"-q", "set", "101", "--ram", "512M", "--save"}).exit_code,
            0);
  const std::string conf = Conf();
  auto r = Vzctl({"set", "101", "--ram", "16M", "--save"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // VZ_SETUBC_ERROR
  EXPECT_NE(r.err.find("memory.limit_in_bytes"), std::string::npos) << r.err;
  EXPECT_EQ(Conf(), conf);
  EXPECT_EQ(*cg_->Get("memory", "memory.limit_in_bytes"), "536870912");
}

TEST_F(SetTest, VzlistShowsStateLimitsAndUse) {
  auto Vzlist = [&](std::vector<std::string> args) {
    return Tool("vzlist", std::move(args));
  };
  ASSERT_EQ(
      Vzctl({"-q", "create", "102", "--ostemplate", kBusybox,
             "--allow-unsigned", "--hostname", "two.example", "--name", "two"})
          .exit_code,
      0);
  ASSERT_EQ(
      Vzctl({"-q", "set", "101", "--ram", "256M", "--numproc", "40", "--save"})
          .exit_code,
      0);
  // Nothing runs: the default list is empty, -S and -a show both.
  EXPECT_EQ(Vzlist({"-H"}).out, "");
  EXPECT_EQ(Vzlist({"-S", "-H", "-o", "ctid"}).out, "101\n102\n");
  ASSERT_EQ(Vzctl({"-q", "mount", "102"}).exit_code, 0);
  FakeRunning(4);
  auto all = Vzlist({"-a", "-o", "ctid,status,numproc,numproc.l,ram.l"});
  EXPECT_EQ(all.out,
            "CTID STATUS  NPROC NPROC.L RAM.L\n"
            "101  running 1     40      256M\n"
            "102  mounted -     -       256M\n")  // the basic sample's
      << all.out;
  EXPECT_EQ(Vzlist({"-H", "-o", "ctid"}).out, "101\n");  // running only
  auto two = Vzlist({"two", "-H", "-o", "ctid,name,hostname,diskspace.h"});
  EXPECT_EQ(two.out, "102 two two.example 10485760\n");
  auto sorted = Vzlist({"-a", "-H", "-o", "ctid", "-s", "-ctid"});
  EXPECT_EQ(sorted.out, "102\n101\n");
  auto json = Vzlist({"-a", "-j", "-o", "ctid,numproc"});
  EXPECT_EQ(json.out,
            "[\n  {\"ctid\": \"101\", \"numproc\": 1},\n  {\"ctid\": \"102\", "
            "\"numproc\": null}\n]\n");
  EXPECT_EQ(Vzlist({"-o", "nosuchfield"}).exit_code, 20);
  EXPECT_EQ(Vzlist({"nosuchct"}).exit_code, 14);
  EXPECT_EQ(Vzctl({"-q", "umount", "102"}).exit_code, 0);
}

}  // namespace
}  // namespace vz::testing
