#include "libvz/monitor/exit_reason.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace vz::monitor {
namespace {

int Exited(int code) { return code << 8; }
int Signaled(int sig) { return sig; }

TEST(ClassifyTest, CleanEnds) {
  EXPECT_EQ(Classify({.wait_status = Exited(0)}).reason, "shutdown");
  EXPECT_EQ(Classify({.wait_status = Signaled(SIGINT)}).reason, "shutdown");
  EXPECT_EQ(Classify({.wait_status = Signaled(SIGKILL), .stop_requested = true})
                .reason,
            "requested");
  EXPECT_EQ(Classify({.wait_status = Signaled(SIGKILL),
                      .stop_requested = true,
                      .killed_after_timeout = true})
                .reason,
            "stop-timeout");
}

TEST(ClassifyTest, Failures) {
  EXPECT_EQ(Classify({.wait_status = Exited(3)}),
            (ExitInfo{"crash", "exit code 3", Restart::kOnFailure}));
  EXPECT_EQ(Classify({.wait_status = Signaled(SIGSEGV)}),
            (ExitInfo{"signal", "SIGSEGV", Restart::kOnFailure}));
  EXPECT_EQ(Classify({.wait_status = Signaled(SIGKILL), .oom_kills = 1}).event,
            "oom-kill");
  EXPECT_EQ(Classify({.wait_status = Signaled(SIGKILL)}).event, "signal");
  EXPECT_EQ(
      Classify({.wait_status = Signaled(SIGKILL), .storage_lost = true}).reason,
      "storage-lost");
}

TEST(ClassifyTest, RebootInsideRestarts) {
  auto info = Classify({.wait_status = Signaled(SIGHUP)});
  EXPECT_EQ(info.event, "reboot");
  EXPECT_TRUE(ShouldRestart(info, false));
}

TEST(RestartTest, OnFailureOnly) {
  EXPECT_FALSE(ShouldRestart(Classify({.wait_status = Exited(0)}), true));
  EXPECT_TRUE(ShouldRestart(Classify({.wait_status = Exited(1)}), true));
  EXPECT_FALSE(ShouldRestart(Classify({.wait_status = Exited(1)}), false));
  EXPECT_FALSE(ShouldRestart(
      Classify({.wait_status = Exited(1), .stop_requested = true}), true));
}

TEST(RestartTest, Backoff) {
  EXPECT_EQ(BackoffSeconds(0), 1);
  EXPECT_EQ(BackoffSeconds(3), 8);
  EXPECT_EQ(BackoffSeconds(6), 60);
  EXPECT_EQ(BackoffSeconds(100), 60);
}

}  // namespace
}  // namespace vz::monitor
