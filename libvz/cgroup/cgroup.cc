#include "libvz/cgroup.h"

#include <signal.h>

#include <algorithm>
#include <unordered_set>

#include "base/file_util.h"
#include "libvz/cgroup/backends.h"
#include "libvz/cgroup/files.h"

namespace vz::cgroup {

Result<CgroupFs> Detect(const std::string& root) {
  if (PathExists(JoinPath(root, "cgroup.controllers"))) {
    return CgroupFs{.layout = Layout::kV2, .root = root};
  }
  if (PathExists(JoinPath(root, "memory/cgroup.procs"))) {
    return CgroupFs{.layout = Layout::kV1, .root = root};
  }
  return NotFoundError("detect cgroups at '" + root +
                       "': neither a cgroup2 mount nor v1 hierarchies");
}

std::string ContainerPath(std::string_view prefix, std::string_view tenant,
                          std::string_view ctid) {
  return std::string(prefix) + "/" + std::string(tenant) + "/" +
         std::string(ctid);
}

std::string DeviceRule::Format() const {
  if (type == 'a') return "a";
  auto num = [](int64_t v) {
    return v < 0 ? std::string("*") : std::to_string(v);
  };
  return std::string(1, type) + " " + num(major) + ":" + num(minor) + " " +
         access;
}

std::unique_ptr<Cgroup> Open(const CgroupFs& fs, std::string path) {
  if (fs.layout == Layout::kV2) return internal::OpenV2(fs, std::move(path));
  return internal::OpenV1(fs, std::move(path));
}

namespace internal {

Status KillBySweeping(Cgroup& cg, int sig, bool fake) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    // Frozen, no task can fork a child we would miss; SIGKILL takes effect
    // once thawed.
    VZ_RETURN_IF_ERROR(cg.Freeze(std::chrono::seconds(5)));
    auto pids = cg.Pids();
    if (!pids.has_value()) {
      (void)cg.Thaw();
      return pids.error();
    }
    for (pid_t pid : *pids) ::kill(pid, sig);
    VZ_RETURN_IF_ERROR(cg.Thaw());
    if (sig != SIGKILL || pids->empty() || fake) return OkStatus();
    // Killed tasks leave as fast as the kernel frees them (a big process
    // takes tens of ms). Another sweep, with its freeze of tasks on their
    // way out, only for one that joined after this one (an exec entering)
    // or, as a safety net, after a second.
    const std::unordered_set<pid_t> killed(pids->begin(), pids->end());
    size_t left = 0;
    bool newcomer = false;
    VZ_ASSIGN_OR_RETURN(
        bool done, PollFor(std::chrono::seconds(1), [&]() -> Result<bool> {
          VZ_ASSIGN_OR_RETURN(auto now, cg.Pids());
          left = now.size();
          newcomer = std::any_of(now.begin(), now.end(),
                                 [&](pid_t p) { return !killed.contains(p); });
          return now.empty() || newcomer;
        }));
    if (done && !newcomer) return OkStatus();
    if (std::chrono::steady_clock::now() >= deadline) {
      return DeadlineExceededError("kill cgroup '" + cg.path() +
                                   "': " + std::to_string(left) +
                                   " processes survive SIGKILL");
    }
  }
}

}  // namespace internal
}  // namespace vz::cgroup
