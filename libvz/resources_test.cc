#include "libvz/resources.h"

#include <gtest/gtest.h>

namespace vz {
namespace {

VeConfig Config(std::string_view text) {
  return VeConfig("101", *ConfigFile::Parse(text, "101.conf"));
}

TEST(ResourcesTest, ParsesOptionsInOpenVzUnits) {
  EXPECT_EQ(*ParseRamOption("--ram", "512M"), 512ull << 20);
  EXPECT_EQ(*ParseRamOption("--ram", "1024P"), 4ull << 20);  // pages
  EXPECT_EQ(ParseRamOption("--ram", "-1G").error().exit_code(), 21);
  EXPECT_EQ(*ParseCpuLimitOption("50%"), 50u);
  EXPECT_EQ(*ParseCpuLimitOption("150"), 150u);
  EXPECT_FALSE(ParseCpuUnitsOption("7").has_value());
  EXPECT_FALSE(ParseCpuUnitsOption("500001").has_value());
  EXPECT_EQ(*ParseCpuUnitsOption("250"), 250u);
  EXPECT_EQ(*ParseNumProcOption("100:120"), 120u);
  EXPECT_EQ(*ParseNumProcOption("unlimited"), 0u);
  EXPECT_FALSE(ParseNumProcOption("0").has_value());
  EXPECT_FALSE(ParseCpusOption("0").has_value());
}

TEST(ResourcesTest, CpuMaskIsCanonicalAndWithinTheHost) {
  EXPECT_EQ(*ParseCpuMaskOption("3,0-1,2", 4), "0-3");
  EXPECT_EQ(*ParseCpuMaskOption("0,2", 4), "0,2");
  EXPECT_EQ(*ParseCpuMaskOption("all", 4), "all");
  auto bad = ParseCpuMaskOption("0-7", 2);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("CPU 7 is not on this host (CPUs 0-1)"),
            std::string::npos)
      << bad.error().message();
  EXPECT_FALSE(ParseCpuMaskOption("2-1", 4).has_value());
  EXPECT_FALSE(ParseCpuMaskOption("x", 4).has_value());
}

TEST(ResourcesTest, ConfigRoundTrip) {
  VeConfig ve = Config("PHYSPAGES=\"0:256M\"\nSWAPPAGES=\"0:65536\"\n");
  auto r = ReadResources(ve, 2);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r->ram, 256ull << 20);
  EXPECT_EQ(*r->swap, 256ull << 20);  // 65536 pages
  Resources set;
  set.ram = 1ull << 30;
  set.cpulimit = 50;
  set.cpuunits = 2000;
  set.cpumask = "0";
  set.numproc = 200;
  ASSERT_TRUE(WriteResources(set, ve).ok());
  EXPECT_EQ(*ve.Get("PHYSPAGES"), "0:1G");
  EXPECT_EQ(*ve.Get("NUMPROC"), "200:200");
  auto back = ReadResources(ve, 2);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back->ram, 1ull << 30);
  EXPECT_EQ(*back->cpulimit, 50u);
  EXPECT_EQ(*back->cpuunits, 2000u);
  EXPECT_EQ(*back->cpumask, "0");
  EXPECT_EQ(*back->numproc, 200u);
  auto broken = ReadResources(Config("CPUUNITS=\"lots\"\n"), 2);
  ASSERT_FALSE(broken.has_value());
  EXPECT_NE(broken.error().message().find("CPUUNITS"), std::string::npos);
}

TEST(ResourcesTest, V1WritesKeepMemswAboveTheLimit) {
  Resources r;
  r.ram = 512ull << 20;
  r.swap = 256ull << 20;
  r.cpulimit = 50;
  r.cpus = 2;
  r.cpuunits = 500;
  r.numproc = 100;
  auto w = CgroupWrites(r, cgroup::Layout::kV1, 4, true);
  std::vector<CgroupWrite> want = {
      {"memory", "memory.memsw.limit_in_bytes", "-1"},
      {"memory", "memory.limit_in_bytes", "536870912"},
      {"memory", "memory.memsw.limit_in_bytes", "805306368"},
      {"cpu", "cpu.shares", "512"},
      {"cpu", "cpu.cfs_period_us", "100000"},
      {"cpu", "cpu.cfs_quota_us", "50000"},  // min(50%, 2 CPUs)
      {"cpuset", "cpuset.cpus", "0-3"},
      {"pids", "pids.max", "100"},
  };
  EXPECT_EQ(w, want);
}

TEST(ResourcesTest, DefaultsLiftEveryLimit) {
  auto w = CgroupWrites({}, cgroup::Layout::kV2, 2, false);
  std::vector<CgroupWrite> want = {
      {"memory", "memory.max", "max"},  {"memory", "memory.swap.max", "max"},
      {"cpu", "cpu.weight", "39"},      {"cpu", "cpu.max", "max 100000"},
      {"cpuset", "cpuset.cpus", "0-1"}, {"pids", "pids.max", "max"},
  };
  EXPECT_EQ(w, want);
}

}  // namespace
}  // namespace vz
