// The init's readiness (doc/runtime.md §4): the init gets $NOTIFY_SOCKET,
// an abstract socket its monitor bound in the container's network
// namespace; only READY=1 from the init's pid counts, and descriptors sent
// along are not kept.
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "libvz/container/internal.h"
#include "libvz/runtime.h"
#include "test/integration/container_fixture.h"

namespace vz::testing {
namespace {

class NotifyTest : public ContainerFixture {
 protected:
  void SetUp() override {
    ContainerFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Writes its environment where the test can read it, then waits.
    MakeDirContainer("101", "",
                     "echo \"$NOTIFY_SOCKET\" >/notify-env; "
                     "while true; do sleep 1; done");
    auto s = Vzctl({"start", "101", "--premounted"});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    auto rec = container::ParsePidRecord(
        ReadFile(Path("/run/vz/101.pid")).value_or(""));
    ASSERT_TRUE(rec.has_value());
    monitor_ = rec->monitor;
    init_ = rec->init;
    ASSERT_GT(init_, 0);
  }
  void TearDown() override {
    Vzctl({"stop", "101", "--fast"});
    ContainerFixture::TearDown();
  }

  // The monitor's answer to "booted".
  std::string Booted() {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = Path("/run/vz/101.sock");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr)) {
      return "connect failed";
    }
    (void)!::write(fd.get(), "booted\n", 7);
    std::string out;
    char buf[64];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, n);
    return out;
  }

  // Sends `msg` to the container's notify socket from inside its network
  // namespace, as process `as` (root may name another pid), with `fd`
  // passed along when >= 0. Returns whether sendmsg succeeded.
  bool Send(const std::string& msg, pid_t as, int fd = -1) {
    bool sent = false;
    std::thread t([&] {
      UniqueFd ns(::open(("/proc/" + std::to_string(init_) + "/ns/net").c_str(),
                         O_RDONLY | O_CLOEXEC));
      if (!ns || ::setns(ns.get(), CLONE_NEWNET) != 0) return;
      UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      const std::string name = runtime::kNotifySocketName;
      std::memcpy(addr.sun_path + 1, name.data(), name.size());
      iovec iov{const_cast<char*>(msg.data()), msg.size()};
      alignas(cmsghdr) char
          ctl[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int))] = {};
      msghdr m{};
      m.msg_name = &addr;
      m.msg_namelen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                             1 + name.size());
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      m.msg_control = ctl;
      m.msg_controllen =
          CMSG_SPACE(sizeof(ucred)) + (fd >= 0 ? CMSG_SPACE(sizeof(int)) : 0);
      cmsghdr* c = CMSG_FIRSTHDR(&m);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_CREDENTIALS;
      c->cmsg_len = CMSG_LEN(sizeof(ucred));
      ucred cred{.pid = as, .uid = 0, .gid = 0};
      std::memcpy(CMSG_DATA(c), &cred, sizeof cred);
      if (fd >= 0) {
        c = CMSG_NXTHDR(&m, c);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
      }
      sent = ::sendmsg(s.get(), &m, 0) == static_cast<ssize_t>(msg.size());
      // The thread joined another namespace: it ends here.
    });
    t.join();
    return sent;
  }

  size_t MonitorFds() {
    return ListDir("/proc/" + std::to_string(monitor_) + "/fd")
        .value_or(std::vector<std::string>())
        .size();
  }

  pid_t monitor_ = 0;
  pid_t init_ = 0;
};

TEST_F(NotifyTest, OnlyTheInitsReadyCountsAndNothingSentIsKept) {
  // Written by the init once it runs, maybe after the start's report.
  EXPECT_TRUE(Eventually([&] {
    return ReadFile(Path("/vz/root/101/notify-env")).value_or("") ==
           "@" + std::string(runtime::kNotifySocketName) + "\n";
  }));
  EXPECT_EQ(Booted(), "ok\nno\n");
  const size_t fds = MonitorFds();
  // Another process's READY=1: not the init's word.
  ASSERT_TRUE(Send("READY=1", ::getpid()));
  // The same with a descriptor passed along: refused to the sender where
  // the kernel has SO_PASSRIGHTS, dropped by the kernel elsewhere; never
  // installed in the monitor either way.
  UniqueFd passed(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  (void)Send("READY=1", ::getpid(), passed.get());
  // The init's pid, no READY=1.
  ASSERT_TRUE(Send("STATUS=starting\nREADY=0", init_));
  // Queued before the request, so read before it is answered.
  EXPECT_EQ(Booted(), "ok\nno\n");
  EXPECT_EQ(MonitorFds(), fds);
  // The init's READY=1 among other lines, as systemd sends it.
  ASSERT_TRUE(Send("READY=1\nSTATUS=Startup finished in 1s.", init_));
  EXPECT_TRUE(Eventually([&] { return Booted() == "ok\nyes\n"; }, 5));
}

TEST_F(NotifyTest, AFloodOfMessagesDoesNotHoldUpTheMonitor) {
  // Another process sends without pause for at most 3 s (bounded, as
  // everything a test makes), while the monitor is asked and stopped.
  std::atomic<bool> done = false;
  std::thread flood([&] {
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!done && std::chrono::steady_clock::now() < until) {
      Send("STATUS=busy", ::getpid());
    }
  });
  EXPECT_EQ(Booted(), "ok\nno\n");
  EXPECT_EQ(Vzctl({"stop", "101", "--fast"}).exit_code, 0);
  done = true;
  flood.join();
}

}  // namespace
}  // namespace vz::testing
