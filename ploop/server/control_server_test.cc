#include "ploop/server/control_server.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"
#include "base/unique_fd.h"
#include "ploop/control_client.h"

namespace ploop::server {
namespace {

// A server answering hello (as the device server does) and "ping".
class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Handle("hello", [](const ControlMessage&) {
      ControlMessage r;
      r.Set("max_version", std::to_string(kControlVersion));
      r.Set("min_version", std::to_string(kControlMinVersion));
      return vz::Result<ControlMessage>(r);
    });
    server_.Handle("ping", [this](const ControlMessage&) {
      ++pings_;
      return vz::Result<ControlMessage>(ControlMessage{"ok", {{"n", "1"}}});
    });
    ASSERT_TRUE(server_.Start(path_).ok());
  }

  // A raw connection that does whatever the test makes it do.
  vz::UniqueFd Raw() {
    vz::UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    EXPECT_EQ(
        ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr),
        0);
    return fd;
  }

  // A well-behaved client's call, given 3 s (the server answers in
  // microseconds; it must not wait for anyone else's connection).
  vz::Status Ping() {
    auto c = ControlClient::Connect(path_, 3000);
    if (!c.has_value()) return std::move(c).error();
    return (*c)->Call(ControlMessage{"ping", {}}).status();
  }

  vz::testing::TempDir dir_;
  std::string path_ = dir_.Join("control.sock");
  ControlServer server_;
  std::atomic<int> pings_{0};
};

TEST_F(ControlServerTest, AnIdleConnectionHoldsUpNoOne) {
  vz::UniqueFd idle = Raw();  // connects, says nothing, stays
  for (int i = 0; i < 3; ++i) {
    vz::Status s = Ping();
    EXPECT_TRUE(s.ok()) << s.message();
  }
  EXPECT_EQ(pings_, 3);
}

TEST_F(ControlServerTest, AClientThatNeverReadsIsDroppedNotWaitedFor) {
  vz::UniqueFd deaf = Raw();
  const std::string ping = EncodeControl(ControlMessage{"ping", {}});
  // Requests until its receive buffer is full of unread answers and the
  // server drops it (then the sends fail), or 100000 of them.
  int sent = 0;
  for (; sent < 100000; ++sent) {
    if (::send(deaf.get(), ping.data(), ping.size(),
               MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
      if (errno != EAGAIN) break;  // dropped: EPIPE / ECONNRESET
      vz::Status s = Ping();       // the server is busy with our backlog
      ASSERT_TRUE(s.ok()) << s.message();
    }
  }
  EXPECT_LT(sent, 100000) << "the server never dropped a client that "
                             "does not read";
  vz::Status s = Ping();
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(ControlServerTest, AtTheLimitTheLongestIdleConnectionMakesRoom) {
  std::vector<vz::UniqueFd> idle;
  for (size_t i = 0; i < ControlServer::kMaxClients + 3; ++i) {
    idle.push_back(Raw());
  }
  vz::Status s = Ping();
  EXPECT_TRUE(s.ok()) << s.message();
  // The first ones were closed by the server: reading them gives EOF.
  char c;
  EXPECT_EQ(::recv(idle[0].get(), &c, 1, MSG_DONTWAIT), 0);
}

TEST_F(ControlServerTest, ABadRequestGetsAnErrorAndTheConnectionStays) {
  vz::UniqueFd fd = Raw();
  const std::string junk = "\xff\xfe not a control message";
  ASSERT_GT(::send(fd.get(), junk.data(), junk.size(), MSG_NOSIGNAL), 0);
  std::string buf(kMaxControlMessage, '\0');
  ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
  ASSERT_GT(n, 0);
  auto r = DecodeControl(std::string_view(buf.data(), static_cast<size_t>(n)));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->head, "error");
  const std::string ping = EncodeControl(ControlMessage{"ping", {}});
  ASSERT_GT(::send(fd.get(), ping.data(), ping.size(), MSG_NOSIGNAL), 0);
  n = ::recv(fd.get(), buf.data(), buf.size(), 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(
      DecodeControl(std::string_view(buf.data(), static_cast<size_t>(n)))->head,
      "ok");
}

}  // namespace
}  // namespace ploop::server
