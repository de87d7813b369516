#include "base/forked_call.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(ForkedCallTest, OkComesBack) {
  auto call = ForkedCall::Start([] { return OkStatus(); });
  ASSERT_TRUE(call.has_value());
  EXPECT_TRUE(call->Wait().ok());
  EXPECT_TRUE(call->Wait().ok());  // the same result again, no second wait
}

TEST(ForkedCallTest, ErrorKeepsCodeExitCodeErrnoAndMessage) {
  auto call = ForkedCall::Start(
      [] { return ErrnoError(ENOSPC, "mount 'x y'").WithExitCode(32); });
  ASSERT_TRUE(call.has_value());
  const Status& s = call->Wait();
  EXPECT_EQ(s.code(), CodeForErrno(ENOSPC));
  EXPECT_EQ(s.exit_code(), 32);
  EXPECT_EQ(s.sys_errno(), ENOSPC);
  EXPECT_EQ(s.message(), ErrnoError(ENOSPC, "mount 'x y'").message());
}

TEST(ForkedCallTest, ChildDyingWithoutAWordIsAnError) {
  auto call = ForkedCall::Start([]() -> Status { ::_exit(3); });
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(call->Wait().code(), Code::kInternal);
}

// A child that ends once it reads a byte from `fd`.
Result<ForkedCall> WaitsForAByte(int fd) {
  return ForkedCall::Start([fd] {
    char c;
    return ::read(fd, &c, 1) == 1 ? OkStatus() : InternalError("no byte");
  });
}

// Until `call` is done, up to 5 s.
bool DoneSoon(const ForkedCall& call) {
  for (int i = 0; i < 5000 && !call.Done(); ++i) ::usleep(1000);
  return call.Done();
}

TEST(ForkedCallTest, RunsConcurrentlyWithTheCaller) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  // The child waits for a byte only the parent sends after Start returned.
  auto call = WaitsForAByte(fds[0]);
  ASSERT_TRUE(call.has_value());
  EXPECT_FALSE(call->Done());  // still waiting for its byte
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  EXPECT_TRUE(DoneSoon(*call));
  EXPECT_TRUE(call->Wait().ok());
  EXPECT_TRUE(call->Done());
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(ForkedCallTest, KilledChildIsDoneWithoutAResult) {
  auto call = ForkedCall::Start([]() -> Status {
    ::pause();
    return OkStatus();
  });
  ASSERT_TRUE(call.has_value());
  EXPECT_FALSE(call->Done());
  call->Kill(SIGKILL);
  EXPECT_TRUE(DoneSoon(*call));
  EXPECT_EQ(call->Wait().code(), Code::kInternal);
  call->Kill(SIGKILL);  // waited for: nothing is sent
}

TEST(ForkedCallTest, StdioOnlyChildHoldsNoneOfTheCallersFiles) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // not close-on-exec, as a report pipe is
  auto check = [&] {
    return ::fcntl(fds[0], F_GETFD) < 0 && ::fcntl(fds[1], F_GETFD) < 0 &&
                   ::fcntl(2, F_GETFD) >= 0
               ? OkStatus()
               : InternalError("the caller's pipe is open in the child");
  };
  auto call = ForkedCall::Start(check, ForkedCall::Files::kStdio);
  ASSERT_TRUE(call.has_value());
  EXPECT_TRUE(call->Wait().ok()) << call->Wait().message();
  // So a reader of the caller's pipe sees EOF while such a child runs.
  auto all = ForkedCall::Start(check);
  ASSERT_TRUE(all.has_value());
  EXPECT_FALSE(all->Wait().ok());
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(ForkedCallTest, DecodeRejectsGarbage) {
  EXPECT_EQ(ForkedCall::Decode("").code(), Code::kInternal);
  EXPECT_EQ(ForkedCall::Decode("x y z").code(), Code::kInternal);
  EXPECT_TRUE(ForkedCall::Decode(ForkedCall::Encode(OkStatus())).ok());
}

}  // namespace
}  // namespace vz
