// AttachConsole: a terminal on the container's console, through its
// monitor; Esc then '.' detaches (OpenVZ's vzctl console).
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "libvz/container.h"
#include "libvz/container/internal.h"

namespace vz {
namespace {

// Raw mode for the caller's terminal while attached; restored on exit.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

// Copies `n` bytes of input, watching for Esc '.'; false once detached.
bool Forward(int sock, const char* buf, ssize_t n, bool& after_esc) {
  for (ssize_t i = 0; i < n; ++i) {
    if (after_esc && buf[i] == '.') return false;
    after_esc = buf[i] == 0x1b;
  }
  return ::write(sock, buf, static_cast<size_t>(n)) == n;
}

// Output already on its way is shown before leaving.
void Drain(int sock, int out) {
  char buf[4096];
  pollfd p{sock, POLLIN, 0};
  while (::poll(&p, 1, 200) == 1) {
    ssize_t n = ::read(sock, buf, sizeof buf);
    if (n <= 0) return;
    (void)!::write(out, buf, static_cast<size_t>(n));
  }
}

}  // namespace

Status AttachConsole(const NodeConfig& node, std::string_view ctid, int in,
                     int out) {
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(node, ctid));
  if (!st.running()) return container::NotRunning(ctid, st);
  VZ_ASSIGN_OR_RETURN(UniqueFd sock,
                      container::ConnectMonitor(node, ctid, "console\n"));
  RawTerminal raw(in);
  bool after_esc = false;
  char buf[4096];
  for (;;) {
    pollfd fds[2] = {{in, POLLIN, 0}, {sock.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      ssize_t n = ::read(sock.get(), buf, sizeof buf);
      if (n <= 0) break;  // the container stopped
      (void)!::write(out, buf, static_cast<size_t>(n));
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t n = ::read(in, buf, sizeof buf);
      if (n <= 0 || !Forward(sock.get(), buf, n, after_esc)) {
        Drain(sock.get(), out);
        break;
      }
    }
  }
  return OkStatus();
}

}  // namespace vz
