// A network testbed made only of namespaces the test creates (issue 8 §8):
// the "node" is a namespace of its own, so routes, proxy entries, sysctls
// and nftables tables vz sets never touch the real host. Addresses come
// from the documentation ranges. Traffic is a few packets sent by the test
// itself, through sockets made inside the namespaces.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "base/unique_fd.h"
#include "libvz/net/netlink.h"

namespace vz::testing {

// A network namespace kept alive by a child process the test started; the
// destructor ends that child (by pid) and with it the namespace.
class TestNetns {
 public:
  TestNetns() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(p[1]);
      if (::unshare(CLONE_NEWNET) != 0) ::_exit(1);
      char c;
      (void)!::read(p[0], &c, 1);  // until the parent closes its end
      ::_exit(0);
    }
    ::close(p[0]);
    hold_.reset(p[1]);
    // Wait until the child has its own namespace.
    std::string mine = Link("/proc/self/ns/net");
    for (int i = 0; i < 500 && Link(Path()) == mine; ++i) ::usleep(1000);
    fd_.reset(::open(Path().c_str(), O_RDONLY | O_CLOEXEC));
  }
  ~TestNetns() {
    hold_.reset();
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int fd() const { return fd_.get(); }
  pid_t pid() const { return pid_; }
  std::string Path() const {
    return "/proc/" + std::to_string(pid_) + "/ns/net";
  }

  // Runs `fn` on a thread inside this namespace.
  void In(const std::function<void()>& fn) const {
    std::thread t([&] {
      ASSERT_EQ(::setns(fd_.get(), CLONE_NEWNET), 0);
      fn();
    });
    t.join();
  }
  // A socket made inside this namespace (it stays there).
  UniqueFd Socket(int domain, int type, int proto) const {
    UniqueFd s;
    In([&] { s.reset(::socket(domain, type | SOCK_CLOEXEC, proto)); });
    return s;
  }

 private:
  static std::string Link(const std::string& p) {
    char buf[128] = {};
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  pid_t pid_ = -1;
  UniqueFd fd_, hold_;
};

// Sends one UDP datagram from `from` (optionally bound to src_ip:src_port)
// to dst:port. Returns false if sendto failed.
inline bool SendUdp(const TestNetns& from, const std::string& src_ip,
                    uint16_t src_port, const std::string& dst, uint16_t port,
                    const std::string& payload) {
  bool v6 = dst.find(':') != std::string::npos;
  UniqueFd s = from.Socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  int one = 1;
  ::setsockopt(s.get(), SOL_IP, IP_FREEBIND, &one,
               sizeof one);  // spoof tests bind foreign addresses
  ::setsockopt(s.get(), SOL_IPV6, IPV6_FREEBIND, &one, sizeof one);
  sockaddr_storage a{};
  socklen_t len;
  auto fill = [&](const std::string& ip, uint16_t p) {
    a = {};
    if (v6) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(&a);
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons(p);
      inet_pton(AF_INET6, ip.c_str(), &s6->sin6_addr);
      len = sizeof *s6;
    } else {
      auto* s4 = reinterpret_cast<sockaddr_in*>(&a);
      s4->sin_family = AF_INET;
      s4->sin_port = htons(p);
      inet_pton(AF_INET, ip.c_str(), &s4->sin_addr);
      len = sizeof *s4;
    }
  };
  if (!src_ip.empty() || src_port) {
    fill(src_ip.empty() ? (v6 ? "::" : "0.0.0.0") : src_ip, src_port);
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), len) != 0)
      return false;
  }
  fill(dst, port);
  return ::sendto(s.get(), payload.data(), payload.size(), 0,
                  reinterpret_cast<sockaddr*>(&a), len) >= 0;
}

// A UDP socket listening in a namespace.
class UdpListener {
 public:
  UdpListener(const TestNetns& ns, const std::string& ip, uint16_t port) {
    bool v6 = ip.find(':') != std::string::npos;
    s_ = ns.Socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    sockaddr_storage a{};
    socklen_t len;
    if (v6) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(&a);
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons(port);
      inet_pton(AF_INET6, ip.c_str(), &s6->sin6_addr);
      len = sizeof *s6;
    } else {
      auto* s4 = reinterpret_cast<sockaddr_in*>(&a);
      s4->sin_family = AF_INET;
      s4->sin_port = htons(port);
      inet_pton(AF_INET, ip.c_str(), &s4->sin_addr);
      len = sizeof *s4;
    }
    ok_ = ::bind(s_.get(), reinterpret_cast<sockaddr*>(&a), len) == 0;
  }
  bool ok() const { return ok_; }
  // The next datagram within `ms`, or "" when none came.
  std::string Receive(int ms = 500) {
    pollfd p{s_.get(), POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return "";
    char buf[2048];
    ssize_t n = ::recv(s_.get(), buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  UniqueFd s_;
  bool ok_ = false;
};

// Sends a raw Ethernet frame out of `ifname` inside `ns`.
inline bool SendFrame(const TestNetns& ns, const std::string& ifname,
                      const std::string& frame) {
  bool sent = false;
  ns.In([&] {
    UniqueFd s(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    ll.sll_halen = 6;
    sent = ::sendto(s.get(), frame.data(), frame.size(), 0,
                    reinterpret_cast<sockaddr*>(&ll),
                    sizeof ll) == static_cast<ssize_t>(frame.size());
  });
  return sent;
}

// Receives raw frames of EtherType `proto` on `ifname` inside `ns`.
class FrameListener {
 public:
  FrameListener(const TestNetns& ns, const std::string& ifname,
                uint16_t proto) {
    ns.In([&] {
      s_.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto)));
      sockaddr_ll ll{};
      ll.sll_family = AF_PACKET;
      ll.sll_protocol = htons(proto);
      ll.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
      ok_ = ::bind(s_.get(), reinterpret_cast<sockaddr*>(&ll), sizeof ll) == 0;
    });
  }
  bool ok() const { return ok_; }
  // True when a frame containing `marker` arrives within `ms`.
  bool Saw(const std::string& marker, int ms = 500) {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              deadline - std::chrono::steady_clock::now())
              .count());
      if (left <= 0) return false;
      pollfd p{s_.get(), POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) return false;
      char buf[2048];
      ssize_t n = ::recv(s_.get(), buf, sizeof buf, 0);
      if (n > 0 && std::string(buf, static_cast<size_t>(n)).find(marker) !=
                       std::string::npos)
        return true;
    }
  }

 private:
  UniqueFd s_;
  bool ok_ = false;
};

}  // namespace vz::testing
