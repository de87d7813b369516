#include "libvz/runtime/mount_plan.h"

#include <sys/mount.h>

#include <algorithm>

#include <gtest/gtest.h>

namespace vz::runtime::internal {
namespace {

using Kind = MountStep::Kind;

std::vector<std::string> Described(const std::vector<MountStep>& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan) out.push_back(Describe(s));
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

size_t IndexOf(const std::vector<std::string>& v, const std::string& s) {
  return static_cast<size_t>(std::find(v.begin(), v.end(), s) - v.begin());
}

TEST(MountPlanTest, ProcWithMaskedAndReadOnlyPaths) {
  auto d = Described(MountPlan({.rootfs = "/r"}));
  EXPECT_TRUE(Contains(d, "mount proc on '/r/proc'"));
  EXPECT_TRUE(Contains(d, "bind '/dev/null' on '/r/proc/kcore'"));
  EXPECT_TRUE(Contains(d, "bind '/dev/null' on '/r/proc/sysrq-trigger'"));
  EXPECT_TRUE(Contains(d, "mount tmpfs on '/r/proc/acpi'"));
  EXPECT_TRUE(Contains(d, "bind '/dev/null' on '/r/proc/partitions'"));
  // /proc/sys read-only, its net subtree (namespaced) writable.
  EXPECT_LT(IndexOf(d, "bind '/r/proc/sys/net' on '/r/proc/sys/net'"),
            IndexOf(d, "bind '/r/proc/sys' on '/r/proc/sys'"));
  EXPECT_TRUE(Contains(d, "make '/r/proc/sys' read-only"));
  EXPECT_FALSE(Contains(d, "make '/r/proc/sys/net' read-only"));
}

TEST(MountPlanTest, SysReadOnlyAndCgroupMixedOnV1) {
  auto plan = MountPlan({.rootfs = "/r", .layout = cgroup::Layout::kV1});
  auto d = Described(plan);
  auto sys = std::find_if(plan.begin(), plan.end(), [](const MountStep& s) {
    return s.fstype == "sysfs";
  });
  ASSERT_NE(sys, plan.end());
  EXPECT_TRUE(sys->flags & MS_RDONLY);
  EXPECT_TRUE(Contains(d, "mount tmpfs on '/r/sys/block'"));
  EXPECT_TRUE(Contains(d, "mount tmpfs on '/r/sys/class/block'"));
  EXPECT_TRUE(Contains(d, "mount cgroup on '/r/sys/fs/cgroup/memory'"));
  EXPECT_TRUE(Contains(d, "make '/r/sys/fs/cgroup/memory' read-only"));
  EXPECT_TRUE(Contains(d, "mount cgroup on '/r/sys/fs/cgroup/systemd'"));
  EXPECT_FALSE(Contains(d, "make '/r/sys/fs/cgroup/systemd' read-only"));
  EXPECT_TRUE(Contains(d, "make '/r/sys/fs/cgroup' read-only"));
  auto systemd = std::find_if(plan.begin(), plan.end(), [](const MountStep& s) {
    return s.target == "/r/sys/fs/cgroup/systemd" && s.kind == Kind::kMount;
  });
  EXPECT_EQ(systemd->data, "none,name=systemd");
}

TEST(MountPlanTest, NamespacedCgroup2OnV2) {
  auto d =
      Described(MountPlan({.rootfs = "/r", .layout = cgroup::Layout::kV2}));
  EXPECT_TRUE(Contains(d, "mount cgroup2 on '/r/sys/fs/cgroup'"));
  EXPECT_FALSE(Contains(d, "mount cgroup on '/r/sys/fs/cgroup/memory'"));
}

TEST(MountPlanTest, MinimalDevBoundFromTheHost) {
  auto d = Described(MountPlan(
      {.rootfs = "/r", .console = "/dev/pts/7", .devnodes = {"/dev/net/tun"}}));
  for (const char* n : {"null", "zero", "full", "random", "urandom", "tty"}) {
    EXPECT_TRUE(
        Contains(d, std::string("bind '/dev/") + n + "' on '/r/dev/" + n + "'"))
        << n;
  }
  EXPECT_TRUE(Contains(d, "mount devpts on '/r/dev/pts'"));
  EXPECT_TRUE(Contains(d, "symlink '/r/dev/ptmx' to 'pts/ptmx'"));
  EXPECT_TRUE(Contains(d, "bind '/dev/pts/7' on '/r/dev/console'"));
  EXPECT_TRUE(Contains(d, "create directory '/r/dev/net'"));
  EXPECT_TRUE(Contains(d, "bind '/dev/net/tun' on '/r/dev/net/tun'"));
  auto own = Described(MountPlan(
      {.rootfs = "/r", .devnodes = {"/dev/fuse"}, .devnode_dir = "/run/101"}));
  EXPECT_TRUE(Contains(own, "bind '/run/101/dev/fuse' on '/r/dev/fuse'"));
  EXPECT_LT(IndexOf(d, "mount tmpfs on '/r/dev'"),
            IndexOf(d, "bind '/dev/null' on '/r/dev/null'"));
}

TEST(MountPlanTest, NoConsoleNoConsoleBind) {
  auto d = Described(MountPlan({.rootfs = "/r"}));
  EXPECT_FALSE(Contains(d, "create mount point '/r/dev/console'"));
}

// An optional step is skipped when its path does not exist, and only then:
// any other failure to look it up (here ENOTDIR, as EACCES on the way to
// an lxcfs file) is reported, not a bind silently left out. Neither case
// gets as far as mount(2).
TEST(MountPlanTest, AnOptionalStepIsSkippedOnlyWhenItsPathIsAbsent) {
  MountStep absent{.kind = Kind::kBind,
                   .source = "/nonexistent-vz-test/meminfo",
                   .target = "/nonexistent-vz-test/target",
                   .optional = true};
  EXPECT_TRUE(ApplyMountPlan({absent}).ok());
  MountStep unreachable = absent;
  unreachable.source = "/proc/self/stat/meminfo";  // a file's "child"
  Status s = ApplyMountPlan({unreachable});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.sys_errno(), ENOTDIR) << s.message();
  EXPECT_NE(s.message().find("/proc/self/stat/meminfo"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace vz::runtime::internal
