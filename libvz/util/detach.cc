#include "libvz/util/detach.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/unique_fd.h"

extern char** environ;

namespace vz {

Status SpawnDetached(std::vector<std::string> args, const std::string& log,
                     int pass_fd) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return ErrnoError(errno, "fork");
  if (pid == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    int null = ::open("/dev/null", O_RDWR);
    int out = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0640);
    ::dup2(null, 0);
    ::dup2(out >= 0 ? out : null, 1);
    ::dup2(out >= 0 ? out : null, 2);
    int first_closed = 3;
    if (pass_fd >= 0) {
      // dup2 onto itself keeps FD_CLOEXEC: clear it then.
      if (pass_fd == 3) {
        ::fcntl(3, F_SETFD, 0);
      } else {
        ::dup2(pass_fd, 3);
      }
      first_closed = 4;
    }
    ::syscall(SYS_close_range, first_closed, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::waitpid(pid, nullptr, 0);
  return OkStatus();
}

Status SpawnSelfDetaching(std::vector<std::string> args, const std::string& log,
                          int pass_fd) {
  // The child's descriptors 0-3 are set from these: pass_fd must not be
  // one of them already (a pipe made after stdio never is).
  if (pass_fd >= 0 && pass_fd < 3) {
    return InvalidArgumentError("descriptor to pass is " +
                                std::to_string(pass_fd));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Above the child's 0-3, so that no dup2 below overwrites another's
  // source (a caller started with stdin or stdout closed).
  auto above = [](int fd) {
    UniqueFd low(fd);
    return UniqueFd(low ? ::fcntl(low.get(), F_DUPFD_CLOEXEC, 10) : -1);
  };
  UniqueFd null = above(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) return ErrnoError(errno, "open '/dev/null'");
  UniqueFd out = above(
      ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  const int out_fd = out ? out.get() : null.get();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, null.get(), 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
  // dup2 onto itself clears FD_CLOEXEC here (POSIX 2017, glibc 2.29+).
  if (pass_fd >= 0) posix_spawn_file_actions_adddup2(&fa, pass_fd, 3);
  posix_spawn_file_actions_addclosefrom_np(&fa, pass_fd >= 0 ? 4 : 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return ErrnoError(rc, "start '" + args[0] + "'");
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return OkStatus();
}

}  // namespace vz
