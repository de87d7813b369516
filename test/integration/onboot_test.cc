// vzctl start --onboot: the ONBOOT containers by BOOTORDER, a bounded
// number at a time, each with the default CPU weight until it has booted.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/cgroup.h"
#include "test/integration/container_fixture.h"

namespace vz::testing {
namespace {

class OnbootTest : public ContainerFixture {};

TEST_F(OnbootTest, StartsOnbootContainersByBootorderAndRestoresWeight) {
  BuildBusybox();
  struct Ct {
    const char* ctid;
    const char* onboot;
    const char* order;
  };
  for (const Ct& c :
       {Ct{"101", "yes", "1"}, Ct{"102", "yes", "5"}, Ct{"103", "no", "9"}}) {
    ASSERT_EQ(Vzctl({"-q", "create", c.ctid, "--ostemplate", kBusybox,
                     "--allow-unsigned"})
                  .exit_code,
              0);
    ASSERT_EQ(Vzctl({"-q", "set", c.ctid, "--onboot", c.onboot, "--bootorder",
                     c.order, "--cpuunits", "4000", "--save"})
                  .exit_code,
              0);
  }
  auto r = Vzctl({"start", "--onboot", "--parallel", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // One at a time: they finish in start order, highest BOOTORDER first.
  EXPECT_EQ(r.out, "Container 102 is started\nContainer 101 is started\n");
  EXPECT_EQ(Vzctl({"status", "103"}).out, "CTID 103 exist unmounted down\n");
  // Booted: each has its own CPUUNITS again (4000 -> 4096 shares).
  auto fs = cgroup::Detect();
  ASSERT_TRUE(fs.has_value());
  for (const char* ct : {"101", "102"}) {
    auto cg = cgroup::Open(*fs, cgroup::ContainerPath(prefix_, "default", ct));
    EXPECT_EQ(cg->Get("cpu", "cpu.shares").value_or("?"), "4096") << ct;
  }
  // Running ones are skipped.
  auto again = Vzctl({"start", "--onboot"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "");
  EXPECT_EQ(Vzctl({"start", "--onboot", "101"}).exit_code, 20);
  for (const char* ct : {"101", "102"}) {
    EXPECT_EQ(Vzctl({"-q", "stop", ct}).exit_code, 0);
    EXPECT_EQ(Vzctl({"-q", "destroy", ct}).exit_code, 0);
  }
}

// A config that does not parse (an admin's typo) does not stop the boot of
// the others: they start, and the report names it (exit 7).
TEST_F(OnbootTest, ABrokenConfigDoesNotStopTheOthersBoot) {
  BuildBusybox();
  for (const char* ct : {"101", "102"}) {
    ASSERT_EQ(Vzctl({"-q", "create", ct, "--ostemplate", kBusybox,
                     "--allow-unsigned"})
                  .exit_code,
              0);
    ASSERT_EQ(Vzctl({"-q", "set", ct, "--onboot", "yes", "--save"}).exit_code,
              0);
  }
  const std::string conf = Path("/etc/vz/conf/102.conf");
  auto text = ReadFile(conf);
  ASSERT_TRUE(text.has_value());
  ASSERT_TRUE(WriteFileAtomic(conf, *text + "a typo\n").ok());
  auto r = Vzctl({"start", "--onboot"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.out.find("Container 101 is started"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("102: its config cannot be read"), std::string::npos)
      << r.out;
  auto list = Tool("vzlist", {"-a", "-H", "-o", "ctid"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out, "101\n");
  EXPECT_NE(list.err.find("container 102 is left out"), std::string::npos)
      << list.err;
  ASSERT_TRUE(WriteFileAtomic(conf, *text).ok());
  EXPECT_EQ(Vzctl({"-q", "stop", "101"}).exit_code, 0);
  for (const char* ct : {"101", "102"}) {
    EXPECT_EQ(Vzctl({"-q", "destroy", ct}).exit_code, 0);
  }
}

}  // namespace
}  // namespace vz::testing
