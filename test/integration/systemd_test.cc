// A Debian 12 container boots systemd, unprivileged and privileged (slow:
// builds the template with debootstrap from the Debian mirror first).
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "test/integration/container_fixture.h"

namespace vz::testing {
namespace {

constexpr char kDebian[] = "debian-12-x86_64";

class SystemdTest : public ContainerFixture {};

TEST_F(SystemdTest, BootsRunsCommandsRebootsAndStops) {
  auto b = Vztmpl({"-q", "build", "debian-12"});
  if (b.exit_code != 0) {
    GTEST_SKIP() << "no Debian 12 template: building it failed (no Debian "
                    "mirror reachable?): "
                 << b.err;
  }
  ASSERT_EQ(Vzctl({"-q", "create", "101", "--ostemplate", kDebian,
                   "--allow-unsigned", "--hostname", "deb101"})
                .exit_code,
            0);
  ASSERT_EQ(Vzctl({"-q", "create", "102", "--ostemplate", kDebian,
                   "--allow-unsigned", "--userns", "no"})
                .exit_code,
            0);
  for (const char* ct : {"101", "102"}) {
    auto s = Vzctl({"start", ct, "--wait"});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    auto state = Vzctl({"exec2", ct, "systemctl is-system-running"}).out;
    EXPECT_TRUE(state == "running\n" || state == "degraded\n") << state;
    EXPECT_EQ(Vzctl({"exec2", ct, "cat /proc/1/comm"}).out, "systemd\n");
  }
  EXPECT_EQ(Vzctl({"exec2", "101", "hostname"}).out, "deb101\n");
  EXPECT_EQ(
      Vzctl({"exec2", "101", "cat /proc/self/uid_map"}).out.find("4294967295"),
      std::string::npos);
  // A reboot inside restarts the container.
  Vzctl({"exec2", "101", "systemctl reboot"});
  EXPECT_TRUE(Eventually(
      [&] {
        int starts = 0;
        for (const auto& e : Events("101")) starts += e.starts_with("start:");
        return starts >= 2 &&
               Vzctl({"exec2", "101", "systemctl is-system-running"}).out ==
                   "running\n";
      },
      60));
  for (const char* ct : {"101", "102"}) {
    auto s = Vzctl({"stop", ct});
    EXPECT_EQ(s.exit_code, 0) << s.err;
    EXPECT_EQ(Vzctl({"status", ct}).out,
              std::string("CTID ") + ct + " exist unmounted down\n");
  }
  bool clean = false;
  for (const auto& e : Events("101")) clean |= e == "stop:requested";
  EXPECT_TRUE(clean);
}

}  // namespace
}  // namespace vz::testing
