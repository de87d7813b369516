// EnterContainer: a shell inside on a pty of its own (vzctl enter).
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "libvz/container.h"
#include "libvz/container/internal.h"

namespace vz {
namespace {

// A pty of the container's own devpts instance, so the shell's terminal
// is a /dev/pts/N it can see.
Result<std::pair<UniqueFd, UniqueFd>> OpenPty(pid_t init_pid) {
  const std::string ptmx =
      "/proc/" + std::to_string(init_pid) + "/root/dev/pts/ptmx";
  UniqueFd master(::open(ptmx.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return ErrnoError(errno, "open '" + ptmx + "'");
  if (::unlockpt(master.get()) != 0) return ErrnoError(errno, "unlock pty");
  UniqueFd slave(
      ::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return ErrnoError(errno, "open the pty's peer");
  return std::make_pair(std::move(master), std::move(slave));
}

// Copies between the caller and the pty until the shell's side closes.
void Relay(int in, int out, int master) {
  char buf[4096];
  bool in_open = true;
  for (;;) {
    pollfd fds[2] = {{master, POLLIN, 0}, {in_open ? in : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) return;  // EIO: the last holder of the slave is gone
      (void)!::write(out, buf, static_cast<size_t>(n));
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      ssize_t n = ::read(in, buf, sizeof buf);
      if (n <= 0) {
        in_open = false;
        (void)!::write(master, "\x04", 1);  // EOF to the shell
      } else {
        (void)!::write(master, buf, static_cast<size_t>(n));
      }
    }
  }
}

}  // namespace

Result<int> EnterContainer(const NodeConfig& node, std::string_view ctid,
                           int in, int out) {
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(node, ctid));
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(node, ctid));
  if (!st.running() || st.init_pid <= 0) {
    return container::NotRunning(ctid, st);
  }
  VZ_RETURN_IF_ERROR(container::CheckNotFrozen(st, ctid));
  VZ_ASSIGN_OR_RETURN(runtime::Spec spec, container::SpecFor(node, ve, false));
  VZ_ASSIGN_OR_RETURN(auto cg, container::OpenCgroup(node, ve));
  VZ_ASSIGN_OR_RETURN(auto pty, OpenPty(st.init_pid));
  winsize ws{};
  if (::ioctl(in, TIOCGWINSZ, &ws) == 0)
    ::ioctl(pty.second.get(), TIOCSWINSZ, &ws);
  pid_t child = ::fork();
  if (child < 0) return ErrnoError(errno, "fork");
  if (child == 0) {
    for (int fd = 0; fd < 3; ++fd) ::dup2(pty.second.get(), fd);
    const char* term = ::getenv("TERM");
    runtime::ExecOptions opts{.argv = {"/bin/sh", "-l"},
                              .controlling_tty = true};
    opts.env[2] = std::string("TERM=") + (term ? term : "linux");
    auto rc = runtime::Exec(spec, st.init_pid, *cg, opts);
    ::_exit(rc.has_value() ? *rc : 127);
  }
  pty.second.reset();
  termios saved{};
  const bool raw = ::tcgetattr(in, &saved) == 0;
  if (raw) {
    termios t = saved;
    ::cfmakeraw(&t);
    ::tcsetattr(in, TCSANOW, &t);
  }
  Relay(in, out, pty.first.get());
  if (raw) ::tcsetattr(in, TCSANOW, &saved);
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace vz
