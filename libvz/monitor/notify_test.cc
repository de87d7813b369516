#include "libvz/monitor/notify.h"

#include <string>

#include <gtest/gtest.h>

namespace vz::monitor {
namespace {

TEST(NotifyMessageTest, ReadyIsOneWholeLine) {
  EXPECT_TRUE(SaysReady("READY=1"));
  EXPECT_TRUE(SaysReady("READY=1\n"));
  EXPECT_TRUE(SaysReady("STATUS=Startup finished\nREADY=1\nX_Y=2"));
  EXPECT_TRUE(SaysReady("\n\nREADY=1\n\n"));
}

TEST(NotifyMessageTest, AnythingElseIsNotReady) {
  for (const char* msg :
       {"", "\n", "READY=0", "READY=10", "READY=1 ", " READY=1", "XREADY=1",
        "READY", "ready=1", "STATUS=READY=1", "READY=1\r",
        "RELOADING=1\nSTOPPING=1"}) {
    EXPECT_FALSE(SaysReady(msg)) << msg;
  }
  // A NUL inside the datagram does not make its tail a line of its own.
  EXPECT_FALSE(SaysReady(std::string("X\0READY=1", 9)));
}

}  // namespace
}  // namespace vz::monitor
