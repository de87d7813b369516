#include "libvz/cgroup.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_set>

#include "base/file_util.h"
#include "base/poll_for.h"
#include "base/unique_fd.h"
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

namespace {

// At most this many pidfds per sweep: the monitor's descriptors are not
// unlimited; the processes beyond are left to the caller's polling.
constexpr size_t kMaxPidfds = 256;

// A process to signal: by its pidfd when one could be opened (then the
// signal cannot reach another process that took its PID), else by PID.
struct Target {
  pid_t pid;
  UniqueFd fd;
};

// The targets among `pids`, whose pidfds are opened while the cgroup is
// frozen: its tasks cannot exit and free their PIDs for reuse before the
// signal. One gone already (ESRCH) is left out; beyond kMaxPidfds, or when
// a pidfd cannot be opened for another reason, a target goes by PID.
std::vector<Target> Targets(const std::vector<pid_t>& pids) {
  std::vector<Target> out;
  for (pid_t pid : pids) {
    UniqueFd fd;
    if (out.size() < kMaxPidfds) {
      fd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
      if (!fd && errno == ESRCH) continue;
    }
    out.push_back({pid, std::move(fd)});
  }
  return out;
}

void Signal(const std::vector<Target>& targets, int sig) {
  for (const auto& t : targets) {
    if (t.fd) {
      (void)::syscall(SYS_pidfd_send_signal, t.fd.get(), sig, nullptr, 0);
    } else {
      ::kill(t.pid, sig);
    }
  }
}

// Waits until every target with a pidfd has exited (it polls readable
// then) or `limit` has passed: killed tasks are waited for as the kernel
// frees them, not on a polling period that overshoots (1-16 ms).
void WaitExited(const std::vector<Target>& targets,
                std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<pollfd> set;
  for (const auto& t : targets) {
    if (t.fd) set.push_back({t.fd.get(), POLLIN, 0});
  }
  while (!set.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    const int n =
        ::poll(set.data(), set.size(), static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) return;
    std::erase_if(set, [](const pollfd& p) { return p.revents != 0; });
  }
}

}  // namespace

namespace internal {

Status KillBySweeping(Cgroup& cg, int sig, bool fake) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  // Nothing to freeze or kill (the init's end took its PID namespace with
  // it): no freeze and thaw, which wait for the freezer to settle.
  if (auto pids = cg.Pids(); pids.has_value() && pids->empty()) {
    return OkStatus();
  }
  for (;;) {
    // Frozen, no task can fork a child we would miss; SIGKILL takes effect
    // once thawed.
    VZ_RETURN_IF_ERROR(cg.Freeze(std::chrono::seconds(5)));
    auto pids = cg.Pids();
    if (!pids.has_value()) {
      (void)cg.Thaw();
      return pids.error();
    }
    const bool wait = sig == SIGKILL && !pids->empty() && !fake;
    const std::vector<Target> targets = Targets(*pids);
    Signal(targets, sig);
    VZ_RETURN_IF_ERROR(cg.Thaw());
    if (!wait) return OkStatus();
    // Killed tasks leave as fast as the kernel frees them (a big process
    // takes tens of ms): waited for by their pidfds, then the cgroup is
    // read. Another sweep, with its freeze of tasks on their way out, only
    // for one that joined after this one (an exec entering) or, as a
    // safety net, after a second.
    constexpr auto kSweep = std::chrono::seconds(1);
    const auto sweep_end = std::chrono::steady_clock::now() + kSweep;
    WaitExited(targets, kSweep);
    const auto rest =
        std::max(std::chrono::milliseconds(0),
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     sweep_end - std::chrono::steady_clock::now()));
    const std::unordered_set<pid_t> killed(pids->begin(), pids->end());
    size_t left = 0;
    bool newcomer = false;
    VZ_ASSIGN_OR_RETURN(bool done, PollFor(rest, [&]() -> Result<bool> {
                          VZ_ASSIGN_OR_RETURN(auto now, cg.Pids());
                          left = now.size();
                          newcomer = std::any_of(
                              now.begin(), now.end(),
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
