// Forking into a running container's PID namespace, and killing all of it.
#include "libvz/runtime/pidns.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "base/file_util.h"
#include "libvz/runtime.h"

namespace vz::runtime {
namespace internal {

bool InitGone(pid_t init_pid) {
  if (::kill(init_pid, 0) != 0) return errno == ESRCH;
  // A zombie (its parent has not reaped it yet) is gone too. (ploop's
  // ProcessStartTime says the same, but ploop/lib is private to ploop.)
  auto stat = ReadFile("/proc/" + std::to_string(init_pid) + "/stat", 4096);
  if (!stat.has_value()) return true;
  const size_t paren = stat->rfind(')');
  return paren == std::string::npos || paren + 2 >= stat->size() ||
         (*stat)[paren + 2] == 'Z' || (*stat)[paren + 2] == 'X';
}

bool IsOwnNamespace(int fd, const char* name) {
  struct stat theirs {
  }, ours{};
  const std::string self = std::string("/proc/self/ns/") + name;
  return ::fstat(fd, &theirs) == 0 && ::stat(self.c_str(), &ours) == 0 &&
         theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

Result<UniqueFd> OpenNamespace(pid_t init_pid, const char* name) {
  const std::string path = "/proc/" + std::to_string(init_pid) + "/ns/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd) return fd;
  if (errno == ENOENT || errno == ESRCH) {
    return NotFoundError("container init " + std::to_string(init_pid) +
                         " is gone");
  }
  return ErrnoError(errno, "open '" + path + "'");
}

Result<pid_t> ForkInPidNamespace(int ns_fd, pid_t init_pid) {
  UniqueFd own(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
  if (!own) return ErrnoError(errno, "open '/proc/self/ns/pid'");
  if (::setns(ns_fd, CLONE_NEWPID) != 0) {
    return ErrnoError(errno, "join the PID namespace of container init " +
                                 std::to_string(init_pid));
  }
  const pid_t child = ::fork();
  const int fork_errno = errno;
  if (child == 0) return 0;
  if (::setns(own.get(), CLONE_NEWPID) != 0) {
    // Never seen: the namespace is the caller's own. Its next children
    // would start inside the container, so say so loudly.
    const int e = errno;
    if (child > 0) (void)WaitCode(child);
    return InternalError("cannot go back to this process's PID namespace: " +
                         std::string(strerror(e)));
  }
  if (child < 0) {
    // A PID namespace whose init has died takes no new process (ENOMEM).
    if (fork_errno == ENOMEM && InitGone(init_pid)) {
      return NotFoundError("container init " + std::to_string(init_pid) +
                           " is gone");
    }
    return ErrnoError(fork_errno, "fork");
  }
  return child;
}

int WaitCode(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 127;
}

}  // namespace internal

Status KillNamespace(pid_t init_pid) {
  VZ_ASSIGN_OR_RETURN(UniqueFd ns, internal::OpenNamespace(init_pid, "pid"));
  // kill(-1) by root in this process's own namespace would end every
  // process of the node: never for a PID that is not a container's init.
  if (internal::IsOwnNamespace(ns.get(), "pid")) {
    return FailedPreconditionError("process " + std::to_string(init_pid) +
                                   " is not in a PID namespace of its own");
  }
  VZ_ASSIGN_OR_RETURN(pid_t child,
                      internal::ForkInPidNamespace(ns.get(), init_pid));
  if (child == 0) {
    // Inside, kill(-1) reaches every process the namespace sees (its
    // nested namespaces' too) but its init and the caller: one call, and
    // no PID read first that could have been reused since. A child of a
    // process outside its namespace sees no parent (0): anything else
    // means this fork did not land inside, and nothing is killed.
    if (::getppid() != 0) ::_exit(2);
    ::_exit(::kill(-1, SIGKILL) == 0 || errno == ESRCH ? 0 : 1);
  }
  if (internal::WaitCode(child) != 0) {
    return InternalError("kill(-1) in the PID namespace of container init " +
                         std::to_string(init_pid) + " failed");
  }
  return OkStatus();
}

}  // namespace vz::runtime
