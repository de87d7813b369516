#include "libvz/cgroup.h"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"

namespace vz::cgroup {
namespace {

using vz::testing::TempDir;

std::string Read(const std::string& path) {
  auto r = ReadFile(path);
  return r.has_value() ? *r : "<missing>";
}

void Write(const std::string& path, const std::string& text) {
  ASSERT_TRUE(WriteFileAtomic(path, text).ok()) << path;
}

class V1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto h : kV1Hierarchies) {
      ASSERT_TRUE(MakeDirs(tmp_.Join(std::string(h))).ok());
    }
    Write(tmp_.Join("cpuset/cpuset.cpus"), "0-1\n");
    Write(tmp_.Join("cpuset/cpuset.mems"), "0\n");
    fs_ = {.layout = Layout::kV1, .root = tmp_.path(), .fake = true};
  }
  TempDir tmp_;
  CgroupFs fs_;
};

TEST(CgroupPathTest, PrefixTenantCtid) {
  EXPECT_EQ(ContainerPath("vz", "default", "101"), "vz/default/101");
}

TEST(DeviceRuleTest, Format) {
  EXPECT_EQ((DeviceRule{'c', 1, 3, "rwm"}).Format(), "c 1:3 rwm");
  EXPECT_EQ((DeviceRule{'c', 136, -1, "rw"}).Format(), "c 136:* rw");
  EXPECT_EQ((DeviceRule{'a', -1, -1, ""}).Format(), "a");
}

TEST_F(V1Test, DetectsV1) {
  Write(tmp_.Join("memory/cgroup.procs"), "");
  auto fs = Detect(tmp_.path());
  ASSERT_TRUE(fs.has_value());
  EXPECT_EQ(fs->layout, Layout::kV1);
}

TEST_F(V1Test, CreateMakesEveryHierarchyAndSeedsCpuset) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  for (auto h : kV1Hierarchies) {
    EXPECT_TRUE(PathExists(tmp_.Join(std::string(h) + "/vz/default/101"))) << h;
  }
  EXPECT_EQ(Read(tmp_.Join("cpuset/vz/cpuset.cpus")), "0-1");
  EXPECT_EQ(Read(tmp_.Join("cpuset/vz/default/101/cpuset.mems")), "0");
  EXPECT_TRUE(cg->Exists());
  EXPECT_EQ(cg->Dirs().size(), kV1Hierarchies.size());
}

TEST_F(V1Test, AttachWritesEveryHierarchy) {
  auto cg = Open(fs_, "vz/t1/101");
  ASSERT_TRUE(cg->Create().ok());
  ASSERT_TRUE(cg->Attach(4242).ok());
  EXPECT_EQ(Read(tmp_.Join("memory/vz/t1/101/cgroup.procs")), "4242");
  EXPECT_EQ(Read(tmp_.Join("systemd/vz/t1/101/cgroup.procs")), "4242");
}

// The calling thread by "0" in `tasks`: no threadgroup lock, no grace period.
TEST_F(V1Test, AttachSelfWritesZeroToTasks) {
  auto cg = Open(fs_, "vz/t1/101");
  ASSERT_TRUE(cg->Create().ok());
  EXPECT_TRUE(cg->CheapSelfAttach());
  ASSERT_TRUE(cg->AttachSelf().ok());
  EXPECT_EQ(Read(tmp_.Join("memory/vz/t1/101/tasks")), "0");
  EXPECT_EQ(Read(tmp_.Join("systemd/vz/t1/101/tasks")), "0");
  EXPECT_EQ(Open(fs_, "vz/t1/102")->AttachSelf().code(), Code::kNotFound);
}

TEST_F(V1Test, AttachSelfInOneHierarchyOnly) {
  auto cg = Open(fs_, "vz/t1/101");
  ASSERT_TRUE(cg->Create().ok());
  ASSERT_TRUE(cg->AttachSelfIn("cpu").ok());
  EXPECT_EQ(Read(tmp_.Join("cpu/vz/t1/101/tasks")), "0");
  EXPECT_NE(Read(tmp_.Join("freezer/vz/t1/101/tasks")), "0");
  EXPECT_EQ(cg->AttachSelfIn("nope").code(), Code::kInvalidArgument);
}

TEST_F(V1Test, AttachToMissingCgroupIsNotFound) {
  auto cg = Open(fs_, "vz/default/102");
  EXPECT_EQ(cg->Attach(1).code(), Code::kNotFound);
}

TEST_F(V1Test, FreezeAndThawWriteFreezerState) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  ASSERT_TRUE(cg->Freeze(std::chrono::milliseconds(10)).ok());
  EXPECT_EQ(Read(tmp_.Join("freezer/vz/default/101/freezer.state")), "FROZEN");
  EXPECT_TRUE(*cg->IsFrozen());
  ASSERT_TRUE(cg->Thaw().ok());
  EXPECT_FALSE(*cg->IsFrozen());
}

TEST_F(V1Test, PidsAreRecursive) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  ASSERT_TRUE(MakeDirs(tmp_.Join("freezer/vz/default/101/init.scope")).ok());
  Write(tmp_.Join("freezer/vz/default/101/cgroup.procs"), "10\n11\n");
  Write(tmp_.Join("freezer/vz/default/101/init.scope/cgroup.procs"), "12\n");
  auto pids = cg->Pids();
  ASSERT_TRUE(pids.has_value());
  EXPECT_EQ(pids->size(), 3u);
}

TEST_F(V1Test, StatsAndOomKills) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  Write(tmp_.Join("memory/vz/default/101/memory.oom_control"),
        "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  Write(tmp_.Join("memory/vz/default/101/memory.usage_in_bytes"), "4096\n");
  Write(tmp_.Join("pids/vz/default/101/pids.current"), "7\n");
  EXPECT_EQ(*cg->OomKills(), 2u);
  EXPECT_EQ(*cg->MemoryUsage(), 4096u);
  EXPECT_EQ(*cg->PidsCurrent(), 7u);
}

TEST_F(V1Test, SetAndGetAreTheLimitSeams) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  ASSERT_TRUE(cg->Set("memory", "memory.limit_in_bytes", "1048576").ok());
  EXPECT_EQ(*cg->Get("memory", "memory.limit_in_bytes"), "1048576");
  EXPECT_EQ(cg->Set("memory", "../x", "1").code(), Code::kInvalidArgument);
  EXPECT_EQ(cg->Set("nosuch", "x", "1").code(), Code::kInvalidArgument);
}

TEST_F(V1Test, DevicesDenyAllThenAllow) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  ASSERT_TRUE(cg->SetDevices({{'c', 1, 3, "rwm"}}).ok());
  EXPECT_EQ(Read(tmp_.Join("devices/vz/default/101/devices.deny")), "a");
  EXPECT_EQ(Read(tmp_.Join("devices/vz/default/101/devices.allow")),
            "c 1:3 rwm");
}

TEST_F(V1Test, RemoveDeletesEveryHierarchyAndIsIdempotent) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  ASSERT_TRUE(cg->Remove(std::chrono::milliseconds(100)).ok());
  EXPECT_FALSE(cg->Exists());
  EXPECT_TRUE(PathExists(tmp_.Join("memory/vz/default")));
  EXPECT_TRUE(cg->Remove(std::chrono::milliseconds(100)).ok());
}

class V2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(tmp_.Join("cgroup.controllers"),
          "cpuset cpu io memory hugetlb pids\n");
    fs_ = {.layout = Layout::kV2, .root = tmp_.path(), .fake = true};
  }
  TempDir tmp_;
  CgroupFs fs_;
};

TEST_F(V2Test, DetectsV2) {
  auto fs = Detect(tmp_.path());
  ASSERT_TRUE(fs.has_value());
  EXPECT_EQ(fs->layout, Layout::kV2);
}

TEST_F(V2Test, CreateEnablesControllersAtEachLevel) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  EXPECT_EQ(Read(tmp_.Join("cgroup.subtree_control")),
            "+cpu +cpuset +io +memory +pids");
  EXPECT_EQ(Read(tmp_.Join("vz/default/cgroup.subtree_control")),
            "+cpu +cpuset +io +memory +pids");
  EXPECT_TRUE(PathExists(tmp_.Join("vz/default/101")));
  ASSERT_EQ(cg->Dirs().size(), 1u);
  EXPECT_EQ(cg->Dirs()[0].second, tmp_.Join("vz/default/101"));
}

TEST_F(V2Test, DelegatedSliceIsTheBase) {
  ASSERT_TRUE(MakeDirs(tmp_.Join("vz.slice")).ok());
  Write(tmp_.Join("vz.slice/cgroup.controllers"), "memory pids\n");
  fs_.base = "vz.slice";
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  EXPECT_EQ(Read(tmp_.Join("vz.slice/cgroup.subtree_control")),
            "+memory +pids");
  EXPECT_TRUE(PathExists(tmp_.Join("vz.slice/vz/default/101")));
  EXPECT_FALSE(PathExists(tmp_.Join("cgroup.subtree_control")));
}

TEST_F(V2Test, FreezeKillAttachAndStats) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  ASSERT_TRUE(cg->Attach(77).ok());
  EXPECT_EQ(Read(tmp_.Join("vz/default/101/cgroup.procs")), "77");
  EXPECT_FALSE(cg->CheapSelfAttach());
  ASSERT_TRUE(cg->AttachSelf().ok());
  EXPECT_EQ(Read(tmp_.Join("vz/default/101/cgroup.procs")),
            std::to_string(::getpid()));
  ASSERT_TRUE(cg->Freeze(std::chrono::milliseconds(10)).ok());
  EXPECT_EQ(Read(tmp_.Join("vz/default/101/cgroup.freeze")), "1");
  ASSERT_TRUE(cg->KillAll(SIGKILL).ok());
  EXPECT_EQ(Read(tmp_.Join("vz/default/101/cgroup.kill")), "1");
  Write(tmp_.Join("vz/default/101/memory.events"),
        "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  Write(tmp_.Join("vz/default/101/memory.current"), "8192\n");
  EXPECT_EQ(*cg->OomKills(), 1u);
  EXPECT_EQ(*cg->MemoryUsage(), 8192u);
}

TEST_F(V2Test, DevicesNeedBpf) {
  auto cg = Open(fs_, "vz/default/101");
  ASSERT_TRUE(cg->Create().ok());
  EXPECT_EQ(cg->SetDevices({}).code(), Code::kUnimplemented);
}

TEST(DetectTest, NeitherLayoutIsNotFound) {
  TempDir tmp;
  EXPECT_EQ(Detect(tmp.path()).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace vz::cgroup
