#include "libvz/util/detach.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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

}  // namespace vz
