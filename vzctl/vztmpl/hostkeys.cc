// vztmpl hostkeys: the node's pool of pregenerated SSH host keys
// (libvz/host_key_pool.h, doc/templates.md §9).
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "base/log.h"
#include "libvz/cpu_quiet.h"
#include "libvz/host_key_pool.h"
#include "libvz/node_cgroups.h"
#include "vzctl/vztmpl/commands.h"

namespace vz::vztmpl {
namespace {

// A refill started by a first mount waits, holding its lock, until the
// CPUs were half idle over a quarter second: the container's boot is then
// over, or the node is busy and the refill goes on at idle priority.
constexpr std::chrono::milliseconds kQuietWindow{250};
constexpr std::chrono::milliseconds kQuietLimit{30000};

// A refill runs in the background, often right after a container's first
// start: it must not take CPU or disk time from containers. It runs in the
// node's idle cgroup (node_cgroups.h): on its own, SCHED_IDLE is idle only
// beside the processes of the refill's autogroup, and that group got as
// much CPU as a booting container (a Debian first start 115 ms longer).
// SCHED_IDLE and nice 19 still order it behind the node's other work in
// that cgroup; where the cgroup cannot be made (no cgroupfs), they are all
// it has. Returns the cgroup to leave, if it was entered.
std::optional<IdleJobsCgroup> BecomeIdle(const NodeConfig& node) {
  sched_param none{};
  (void)::sched_setscheduler(0, SCHED_IDLE, &none);
  (void)::setpriority(PRIO_PROCESS, 0, 19);
  constexpr int kIoprioClassIdle = 3, kIoprioWhoProcess = 1;
  (void)::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, kIoprioClassIdle << 13);
  auto fs = NodeCgroupFs(node);
  auto idle = fs.has_value() ? IdleJobsCgroup::Enter(*fs, node.root().prefix())
                             : Result<IdleJobsCgroup>(fs.error());
  if (idle.has_value()) return std::move(*idle);
  VZ_LOG(kWarning) << "host key refill outside the idle cgroup: "
                   << idle.error().message();
  return std::nullopt;
}

}  // namespace

Status RunHostKeys(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("count", cli::po::value<int>())("detached", "");
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"action"}));
  VZ_ASSIGN_OR_RETURN(std::string action,
                      cli::Positional(vm, "action", "refill|count"));
  const auto pool = storage::HostKeyPool::ForNode(ctx.node);
  if (action == "count") {
    // Pairs ready, the type with fewest first: a first mount takes one of
    // each.
    int fewest = storage::HostKeyPool::kTarget * 1000;
    for (auto type : storage::HostKeyPool::kTypes) {
      fewest = std::min(fewest, pool.Count(type));
    }
    cli::Say(ctx, std::to_string(fewest));
    return OkStatus();
  }
  if (action != "refill")
    return cli::Usage("unknown hostkeys action '" + action + "'");
  int target =
      vm.count("count") ? vm["count"].as<int>() : storage::HostKeyPool::kTarget;
  if (target < 0 || target > 1000) {
    return cli::Usage("--count takes 0 to 1000");
  }
  // Started by a first mount (StartHostKeyRefill): a process group of its
  // own, so a node teardown stops it and its ssh-keygen together.
  if (vm.count("detached")) (void)::setpgid(0, 0);
  std::optional<IdleJobsCgroup> idle = BecomeIdle(ctx.node);
  Status refilled = pool.Refill(target, [detached = vm.count("detached") > 0] {
    // A first mount's: after the container's boot (libvz/cpu_quiet.h).
    if (detached) WaitForQuietCpus(0.5, kQuietWindow, kQuietLimit);
  });
  if (idle.has_value()) {
    if (Status s = idle->Leave(); !s.ok()) {
      VZ_LOG(kWarning) << "leave the idle cgroup: " << s.message();
    }
  }
  VZ_RETURN_IF_ERROR(refilled);
  std::string ready;
  for (auto type : storage::HostKeyPool::kTypes) {
    ready += (ready.empty() ? "" : ", ") + std::to_string(pool.Count(type)) +
             " " + std::string(type);
  }
  cli::Say(ctx, "host key pairs ready in " + pool.dir() + ": " + ready);
  return OkStatus();
}

}  // namespace vz::vztmpl
