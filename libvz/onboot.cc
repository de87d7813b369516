#include "libvz/onboot.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "base/size.h"
#include "libvz/cgroup.h"
#include "libvz/container.h"
#include "libvz/container/internal.h"
#include "libvz/ctid.h"
#include "libvz/exit_codes.h"
#include "libvz/resources.h"
#include "libvz/ve_config.h"

namespace vz {
namespace {

struct Candidate {
  std::string ctid;
  uint64_t bootorder = 0;
};

// The child: one start, booted, its exit code the start's.
[[noreturn]] void StartChild(const NodeConfig& node, const std::string& ctid,
                             std::chrono::seconds timeout) {
  StartOptions o;
  o.wait = true;
  o.wait_timeout = timeout;
  o.boot_weight = true;
  Status s = StartContainer(node, ctid, o);
  if (!s.ok()) std::cerr << "start " << ctid << ": " << s.message() << "\n";
  std::cerr.flush();
  ::_exit(s.ok() ? 0 : ExitCodeFor(s));
}

// Its own CPUUNITS for a container that booted with the default weight.
void RestoreWeight(const NodeConfig& node, const std::string& ctid) {
  auto ve = VeConfig::Load(node, ctid);
  if (!ve.has_value()) return;
  auto res = ReadResources(*ve, HostCpus());
  auto cg = container::OpenCgroup(node, *ve);
  if (!res.has_value() || !cg.has_value()) return;
  (void)ApplyResources(**cg, *res, HostCpus());
}

// The ONBOOT containers among `all`, in start order.
std::vector<std::string> OrderOf(const NodeConfig& node,
                                 const std::vector<ContainerIdentity>& all) {
  std::vector<Candidate> cs;
  for (const auto& c : all) {
    auto ve = VeConfig::Load(node, c.ctid);
    if (!ve.has_value() || ve->Get("ONBOOT").value_or("no") != "yes") continue;
    auto order = ParseUint(ve->Get("BOOTORDER").value_or("0"));
    cs.push_back({c.ctid, order.value_or(0)});
  }
  std::stable_sort(cs.begin(), cs.end(), [](const auto& a, const auto& b) {
    return a.bootorder > b.bootorder;
  });
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.ctid);
  return out;
}

}  // namespace

Result<std::vector<std::string>> OnbootOrder(const NodeConfig& node) {
  VZ_ASSIGN_OR_RETURN(auto all, ListContainers(node.conf_dir()));
  return OrderOf(node, all);
}

Result<OnbootReport> StartOnboot(const NodeConfig& node,
                                 const OnbootOptions& options) {
  OnbootReport report;
  VZ_ASSIGN_OR_RETURN(auto all, ListContainers(node.conf_dir()));
  report.order = OrderOf(node, all);
  // A config that cannot be read keeps its ONBOOT unknown: the others
  // start all the same, and the boot's report names it.
  for (const auto& c : all) {
    if (!c.problem.ok()) {
      report.failed.push_back(c.ctid + ": its config cannot be read (" +
                              c.problem.message() + ")");
    }
  }
  const unsigned parallel = options.parallel ? options.parallel : HostCpus();
  std::map<pid_t, std::string> children;
  size_t next = 0;
  while (next < report.order.size() || !children.empty()) {
    while (next < report.order.size() && children.size() < parallel) {
      const std::string ctid = report.order[next++];
      auto st = GetRunState(node, ctid);
      if (st.has_value() && st->running()) continue;
      pid_t pid = ::fork();
      if (pid < 0) return ErrnoError(errno, "fork");
      if (pid == 0) StartChild(node, ctid, options.boot_timeout);
      children[pid] = ctid;
    }
    if (children.empty()) break;
    int status = 0;
    pid_t done = ::waitpid(-1, &status, 0);
    if (done < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "waitpid");
    }
    auto it = children.find(done);
    if (it == children.end()) continue;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    if (code == 0) {
      RestoreWeight(node, it->second);
      report.started.push_back(it->second);
    } else {
      report.failed.push_back(it->second + ": exit " + std::to_string(code));
    }
    children.erase(it);
  }
  return report;
}

}  // namespace vz
