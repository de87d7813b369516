// Exec: running a command inside a running container (vzctl exec, enter).
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/unique_fd.h"
#include "libvz/runtime.h"
#include "libvz/runtime/pidns.h"
#include "libvz/runtime/security.h"

extern char** environ;

namespace vz::runtime {
namespace {

// The namespaces to join, user first: joining it grants the capabilities
// the others' setns needs. The user namespace is joined when the init's is
// not ours: the kernel says whether the container runs privileged, not
// the config, which may have changed (USERNS) since the container started.
Result<std::vector<std::pair<UniqueFd, int>>> OpenNamespaces(pid_t pid) {
  static constexpr std::pair<const char*, int> kNames[] = {
      {"user", CLONE_NEWUSER},    {"mnt", CLONE_NEWNS},  {"ipc", CLONE_NEWIPC},
      {"uts", CLONE_NEWUTS},      {"net", CLONE_NEWNET}, {"pid", CLONE_NEWPID},
      {"cgroup", CLONE_NEWCGROUP}};
  std::vector<std::pair<UniqueFd, int>> out;
  for (auto [name, type] : kNames) {
    VZ_ASSIGN_OR_RETURN(UniqueFd fd, internal::OpenNamespace(pid, name));
    if (type == CLONE_NEWUSER && internal::IsOwnNamespace(fd.get(), name))
      continue;
    out.emplace_back(std::move(fd), type);
  }
  return out;
}

// In the container's namespaces, after fork: become its root, lose what
// its init lost, exec. Never returns.
[[noreturn]] void ExecInside(const Spec& spec, const ExecOptions& options,
                             bool joined_userns) {
  if (int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
      fd >= 0) {
    (void)!::write(fd, "0", 1);  // not the monitor's shield, if it has one
    ::close(fd);
  }
  if (joined_userns &&
      (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0)) {
    ::_exit(127);
  }
  (void)::setgroups(0, nullptr);
  if (::chdir("/") != 0) ::_exit(127);
  if (options.controlling_tty &&
      (::setsid() < 0 || ::ioctl(0, TIOCSCTTY, 0) != 0)) {
    ::_exit(127);
  }
  if (!internal::DropBoundingSet(spec.capabilities).ok()) ::_exit(127);
  if (!internal::LoadSeccompFilter().ok()) ::_exit(127);
  std::vector<char*> argv, envp;
  for (const auto& a : options.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : options.env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // execvp looks PATH up in environ.
  environ = envp.data();
  ::execvp(argv[0], argv.data());
  const std::string msg =
      "exec '" + options.argv[0] + "': " + std::string(strerror(errno)) + "\n";
  (void)!::write(2, msg.data(), msg.size());
  ::_exit(127);
}

}  // namespace

Result<int> Exec(const Spec& spec, pid_t init_pid, cgroup::Cgroup& cg,
                 const ExecOptions& options) {
  if (options.argv.empty()) return InvalidArgumentError("exec: no command");
  VZ_ASSIGN_OR_RETURN(auto namespaces, OpenNamespaces(init_pid));
  const bool userns = namespaces.front().second == CLONE_NEWUSER;
  // A PID namespace applies to the children made after joining it. The
  // caller joins the container's for the one fork below and goes back at
  // once (the monitor runs commands too), so the command needs no fork of
  // its own to be inside: one process less per exec.
  auto pid_ns = std::ranges::find(namespaces, CLONE_NEWPID,
                                  &std::pair<UniqueFd, int>::second);
  VZ_ASSIGN_OR_RETURN(
      pid_t child, internal::ForkInPidNamespace(pid_ns->first.get(), init_pid));
  if (child == 0) {
    // Single-threaded caller: the child may allocate, and moves itself
    // (no grace period to wait for on v1, see Cgroup::AttachSelf).
    if (!cg.AttachSelf().ok()) ::_exit(127);
    for (auto& [fd, type] : namespaces) {
      if (type == CLONE_NEWPID) continue;
      if (::setns(fd.get(), type) != 0) {
        const std::string msg = "setns: " + std::string(strerror(errno)) + "\n";
        (void)!::write(2, msg.data(), msg.size());
        ::_exit(127);
      }
    }
    ExecInside(spec, options, userns);
  }
  return internal::WaitCode(child);
}

}  // namespace vz::runtime
