// vztmpl hostkeys: the node's pool of pregenerated SSH host keys
// (libvz/host_key_pool.h, doc/templates.md §9).
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "libvz/host_key_pool.h"
#include "vzctl/vztmpl/commands.h"

namespace vz::vztmpl {
namespace {

// A refill runs in the background, often right after a container's first
// start: it must not take CPU or disk time from containers. SCHED_IDLE,
// not only nice 19: a detached process has an autogroup of its own, which
// gets an equal share of the CPU whatever its nice value.
void BecomeIdle() {
  sched_param none{};
  (void)::sched_setscheduler(0, SCHED_IDLE, &none);
  (void)::setpriority(PRIO_PROCESS, 0, 19);
  constexpr int kIoprioClassIdle = 3, kIoprioWhoProcess = 1;
  (void)::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, kIoprioClassIdle << 13);
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
  BecomeIdle();
  // Started by a first mount (StartHostKeyRefill): a process group of its
  // own, so a node teardown stops it and its ssh-keygen together.
  if (vm.count("detached")) (void)::setpgid(0, 0);
  VZ_RETURN_IF_ERROR(pool.Refill(target));
  std::string ready;
  for (auto type : storage::HostKeyPool::kTypes) {
    ready += (ready.empty() ? "" : ", ") + std::to_string(pool.Count(type)) +
             " " + std::string(type);
  }
  cli::Say(ctx, "host key pairs ready in " + pool.dir() + ": " + ready);
  return OkStatus();
}

}  // namespace vz::vztmpl
