// Container networking throughput and latency against the floor of two bare
// network namespaces joined by a veth pair, in one run (issue 8). Everything
// lives in namespaces this program creates; traffic is bounded iperf3 and
// sockperf runs between them. Prints a markdown table.
//   net_bench [SECONDS]
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "base/strings.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "libvz/net/container_net.h"
#include "libvz/net/netlink.h"

namespace {

using namespace vz;
using namespace vz::net;

// A namespace held by a child process of ours; ends with it.
struct Ns {
  pid_t pid = -1;
  UniqueFd fd;
  Ns() {
    int p[2];
    if (::pipe(p) != 0) return;
    pid = ::fork();
    if (pid == 0) {
      ::close(p[1]);
      if (::unshare(CLONE_NEWNET) != 0) ::_exit(1);
      char c;
      (void)!::read(p[0], &c, 1);
      ::_exit(0);
    }
    ::close(p[0]);
    hold.reset(p[1]);
    ::usleep(20000);
    fd.reset(::open(path().c_str(), O_RDONLY | O_CLOEXEC));
    auto nl = Netlink::Open(fd.get());
    if (nl.has_value()) (void)(*nl)->SetUp("lo");
  }
  ~Ns() {
    hold.reset();
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  std::string path() const {
    return "/proc/" + std::to_string(pid) + "/ns/net";
  }
  UniqueFd hold;
};

std::vector<std::string> In(const Ns& ns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"nsenter", "--net=" + ns.path()});
  return argv;
}

// iperf3 TCP throughput from `client` to `server_ip` in `server`, Gbit/s.
double Throughput(const Ns& client, const Ns& server,
                  const std::string& server_ip, int secs) {
  SubprocessOptions o;
  o.timeout = std::chrono::seconds(secs + 15);
  std::thread srv([&] {
    (void)RunSubprocess(
        In(server, {"iperf3", "-s", "-1", "-B", server_ip, "-p", "5301"}), o);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto r = RunSubprocess(In(client, {"iperf3", "-c", server_ip, "-p", "5301",
                                     "-t", std::to_string(secs), "-f", "g"}),
                         o);
  srv.join();
  if (!r.has_value()) return 0;
  for (const auto& line : SplitNonEmpty(r->out, '\n')) {
    auto pos = line.find(" Gbits/sec");
    if (line.find("receiver") == std::string::npos || pos == std::string::npos)
      continue;
    auto start = line.rfind(' ', pos - 1);
    return std::stod(line.substr(start + 1, pos - start - 1));
  }
  return 0;
}

// sockperf TCP ping-pong average round-trip latency, microseconds.
double Latency(const Ns& client, const Ns& server, const std::string& server_ip,
               int secs) {
  SubprocessOptions o;
  o.timeout = std::chrono::seconds(secs + 15);
  pid_t srv_pid = 0;
  std::thread srv([&] {
    (void)RunSubprocess(
        In(server, {"timeout", std::to_string(secs + 5), "sockperf", "server",
                    "--tcp", "-i", server_ip, "-p", "5302"}),
        o);
  });
  (void)srv_pid;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto r = RunSubprocess(
      In(client, {"sockperf", "ping-pong", "--tcp", "-i", server_ip, "-p",
                  "5302", "-t", std::to_string(secs)}),
      o);
  srv.join();
  if (!r.has_value()) return 0;
  // "sockperf: ====> avg-latency=12.345 (std-dev=...)"
  std::string all = r->out + r->err;
  auto pos = all.find("avg-latency=");
  if (pos == std::string::npos) return 0;
  return std::stod(all.substr(pos + 12));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int secs = argc > 1 ? std::atoi(argv[1]) : 5;
  UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  Ns node, fa, fb, ca, cb, cr, up;
  // The floor: two bare namespaces and a veth.
  {
    auto nl = *Netlink::Open(fa.fd.get());
    (void)nl->CreateVeth("f0", "f1", fb.fd.get());
    (void)nl->AddAddress("f0", *ParseCidr("192.0.2.1/24"));
    (void)nl->SetUp("f0");
    auto nb = *Netlink::Open(fb.fd.get());
    (void)nb->AddAddress("f1", *ParseCidr("192.0.2.2/24"));
    (void)nb->SetUp("f1");
  }
  // The node: everything vz does happens inside `node`.
  if (::setns(node.fd.get(), CLONE_NEWNET) != 0) return 1;
  auto host = *Netlink::Open();
  (void)host->CreateVeth("up0", "up1", up.fd.get());
  (void)host->AddAddress("up0", *ParseCidr("198.51.100.1/24"));
  (void)host->SetUp("up0");
  NodeNet nn;
  nn.prefix = "vzb";
  auto bridged = [&](uint32_t i, const std::string& ip) {
    NetConfig c;
    c.index = i;
    (void)AddNetif(c, "eth0");
    (void)SetNetifParam(c, "eth0", "ipadd", ip);
    return c;
  };
  NetConfig routed;
  routed.index = 3;
  (void)AddRoutedAddress(routed, "198.51.100.10");
  // Time the network part of a start.
  std::vector<double> start_ms_bridged, start_ms_routed;
  for (int i = 0; i < 10; ++i) {
    ContainerNet t(nn, "t", bridged(9, "192.0.2.99/24"));
    auto t0 = std::chrono::steady_clock::now();
    if (!t.Start(ca.fd.get()).ok()) return 2;
    start_ms_bridged.push_back(std::chrono::duration<double, std::milli>(
                                   std::chrono::steady_clock::now() - t0)
                                   .count());
    (void)t.Stop();
    ContainerNet r(nn, "r", routed);
    t0 = std::chrono::steady_clock::now();
    if (!r.Start(cr.fd.get()).ok()) return 3;
    start_ms_routed.push_back(std::chrono::duration<double, std::milli>(
                                  std::chrono::steady_clock::now() - t0)
                                  .count());
    (void)r.Stop();
  }
  ContainerNet a(nn, "a", bridged(1, "192.0.2.11/24")),
      b(nn, "b", bridged(2, "192.0.2.12/24"));
  ContainerNet r(nn, "r", routed);
  if (!a.Start(ca.fd.get()).ok() || !b.Start(cb.fd.get()).ok() ||
      !r.Start(cr.fd.get()).ok())
    return 4;

  // Rounds: floor, bridged, routed, in turn.
  std::vector<double> tf, tb, tr, lf, lb, lr;
  for (int round = 0; round < 3; ++round) {
    tf.push_back(Throughput(fa, fb, "192.0.2.2", secs));
    tb.push_back(Throughput(ca, cb, "192.0.2.12", secs));
    tr.push_back(Throughput(node, cr, "198.51.100.10", secs));
    lf.push_back(Latency(fa, fb, "192.0.2.2", secs));
    lb.push_back(Latency(ca, cb, "192.0.2.12", secs));
    lr.push_back(Latency(node, cr, "198.51.100.10", secs));
  }
  (void)a.Stop();
  (void)b.Stop();
  (void)r.Stop();
  ::setns(original.get(), CLONE_NEWNET);
  double f = Median(tf), fl = Median(lf);
  std::printf(
      "| path | TCP throughput, Gbit/s | vs floor | TCP round trip, us | vs "
      "floor |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  std::printf(
      "| floor: two bare namespaces, one veth | %.2f | 100%% | %.1f | 1.00x "
      "|\n",
      f, fl);
  std::printf(
      "| bridged: container to container, filtering on | %.2f | %.0f%% | %.1f "
      "| %.2fx |\n",
      Median(tb), f > 0 ? 100 * Median(tb) / f : 0, Median(lb),
      fl > 0 ? Median(lb) / fl : 0);
  std::printf(
      "| routed: node to container, filtering on | %.2f | %.0f%% | %.1f | "
      "%.2fx |\n",
      Median(tr), f > 0 ? 100 * Median(tr) / f : 0, Median(lr),
      fl > 0 ? Median(lr) / fl : 0);
  std::printf(
      "\nNetwork setup at start (links, addresses, routes, proxy ARP, "
      "nftables), median of 10: "
      "bridged %.1f ms, routed %.1f ms.\n",
      Median(start_ms_bridged), Median(start_ms_routed));
  return 0;
}
