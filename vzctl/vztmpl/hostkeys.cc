// vztmpl hostkeys: the node's pool of pregenerated SSH host keys
// (libvz/host_key_pool.h, doc/templates.md §9).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "libvz/cpu_quiet.h"
#include "libvz/host_key_pool.h"
#include "libvz/node_cgroups.h"
#include "vzctl/vztmpl/commands.h"

namespace vz::vztmpl {
namespace {

// A refill started by a first mount waits, holding its lock, until the
// CPUs were half idle over a quarter second. On a node of two CPUs the
// container's boot is then over; on more, a boot that fills one CPU no
// longer holds the refill back, which then has the rest. On a busy node
// it goes on after the limit, in the idle cgroup.
constexpr std::chrono::milliseconds kQuietWindow{250};
constexpr std::chrono::milliseconds kQuietLimit{30000};

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
  const bool detached = vm.count("detached") > 0;
  if (detached) (void)::setpgid(0, 0);
  // It must not take CPU or disk time from containers: in the node's idle
  // cgroup (libvz/node_cgroups.h; SCHED_IDLE alone left it as much CPU as
  // a booting container had, and a Debian first start took 115 ms longer).
  Status refilled = RunIdleJob(ctx.node, [&] {
    return pool.Refill(target, [detached] {
      // A first mount's: after the container's boot (libvz/cpu_quiet.h).
      if (detached) WaitForQuietCpus(0.5, kQuietWindow, kQuietLimit);
    });
  });
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
