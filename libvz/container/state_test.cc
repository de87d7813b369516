#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "libvz/container/internal.h"

namespace vz::container {
namespace {

TEST(PidRecordTest, RoundTrip) {
  PidRecord r{.monitor = 42, .start_time = 123456, .init = 43};
  auto back = ParsePidRecord(FormatPidRecord(r));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->monitor, 42);
  EXPECT_EQ(back->start_time, 123456u);
  EXPECT_EQ(back->init, 43);
  EXPECT_FALSE(back->premounted);
  r.premounted = true;
  EXPECT_TRUE(ParsePidRecord(FormatPidRecord(r))->premounted);
}

TEST(PidRecordTest, Malformed) {
  for (const char* bad : {"", "42\n", "x 1\n2\n", "0 1\n2\n", "42 1\n"}) {
    EXPECT_FALSE(ParsePidRecord(bad).has_value()) << bad;
  }
}

TEST(MonitorAliveTest, OnlyALiveVzMonitorWithTheSameStartTime) {
  // This test program is alive but is no vz-monitor.
  auto t = ProcStartTime(::getpid());
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(MonitorAlive({.monitor = ::getpid(), .start_time = *t}));
  EXPECT_FALSE(ProcStartTime(0x3fffffff).has_value());
}

TEST(ActionScriptsTest, GlobalOnlyForStorageActions) {
  testing::TempDir dir;
  for (const char* f : {"vps.premount", "vps.start", "101.premount",
                        "101.start", "102.start"}) {
    ASSERT_TRUE(WriteFileAtomic(dir.Join(f), "true\n").ok());
  }
  EXPECT_EQ(ActionScripts(dir.path(), "101", "premount"),
            (std::vector<std::string>{dir.Join("vps.premount"),
                                      dir.Join("101.premount")}));
  // start/stop run inside the container and have no global script.
  EXPECT_EQ(ActionScripts(dir.path(), "101", "start"),
            (std::vector<std::string>{dir.Join("101.start")}));
  EXPECT_TRUE(ActionScripts(dir.path(), "101", "umount").empty());
}

TEST(ActionScriptsTest, Environment) {
  testing::TempDir dir;
  auto root = NodeRoot::Make(dir.path());
  ASSERT_TRUE(root.has_value());
  NodeConfig node = NodeConfig::Defaults(*root);
  VeConfig ve("101", ConfigFile());
  auto env = ActionScriptEnv(node, ve);
  EXPECT_EQ(env[0], "VEID=101");
  EXPECT_EQ(env[1], "VE_CONFFILE=" + dir.path() + "/etc/vz/conf/101.conf");
  EXPECT_EQ(env[2], "VE_ROOT=" + dir.path() + "/vz/root/101");
  EXPECT_EQ(env[3], "VE_PRIVATE=" + dir.path() + "/vz/private/101");
}

}  // namespace
}  // namespace vz::container

namespace vz::container {
namespace {

// The init's program is read ahead only when it is a regular file, reached
// by symlinks that resolve inside the container's root.
TEST(PrefetchInitTest, RegularFilesOnlyAndSymlinksStayInside) {
  vz::testing::TempDir dir;
  const std::string root = dir.Join("root");
  ASSERT_TRUE(MakeDirs(root + "/sbin").ok());
  ASSERT_TRUE(MakeDirs(root + "/bin").ok());
  EXPECT_FALSE(PrefetchInit(root));  // no /sbin/init
  ASSERT_TRUE(WriteFileAtomic(root + "/bin/busybox", "ELF", 0755).ok());
  ASSERT_EQ(::symlink("/bin/busybox", (root + "/sbin/init").c_str()), 0);
  EXPECT_TRUE(PrefetchInit(root));  // the absolute link stays inside
  ASSERT_EQ(::unlink((root + "/sbin/init").c_str()), 0);
  // A link that climbs out ends at the root's own /etc/passwd: missing.
  ASSERT_EQ(
      ::symlink("../../../../../../etc/passwd", (root + "/sbin/init").c_str()),
      0);
  EXPECT_FALSE(PrefetchInit(root));
  ASSERT_EQ(::unlink((root + "/sbin/init").c_str()), 0);
  // A FIFO would block an open for reading: never opened.
  ASSERT_EQ(::mkfifo((root + "/sbin/init").c_str(), 0600), 0);
  EXPECT_FALSE(PrefetchInit(root));
}

}  // namespace
}  // namespace vz::container
