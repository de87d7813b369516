// Monitor's side of the init's readiness (doc/runtime.md §4): systemd, as
// a container's init, sends "READY=1" to $NOTIFY_SOCKET once its startup
// has finished, as it does under systemd-nspawn. The socket is an
// abstract one in the container's own network namespace, so no file of
// the container's is made or hidden for it, and one name serves every
// container.
#include "libvz/monitor/notify.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "base/strings.h"
#include "libvz/monitor/monitor.h"
#include "libvz/net/netlink.h"

namespace vz::monitor {
namespace {

// SO_PASSRIGHTS (Linux 6.16): off, a sender's descriptors are refused.
// Debian 12's headers predate it.
constexpr int kSoPassRights = 83;
// Messages read per wake-up: a container that keeps sending cannot keep
// the monitor from its other work.
constexpr int kReadsPerWake = 32;

Result<UniqueFd> BindNotifySocket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return ErrnoError(errno, "socket");
  // The sender's pid comes with each message: only the init's counts.
  int on = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    return ErrnoError(errno, "SO_PASSCRED");
  }
  // Where the kernel knows it; elsewhere OnNotify's control buffer, with
  // room for the credentials only, has the kernel drop what is passed.
  int off = 0;
  (void)::setsockopt(fd.get(), SOL_SOCKET, kSoPassRights, &off, sizeof off);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string_view name = runtime::kNotifySocketName;  // without '@'
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  const auto len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    return ErrnoError(errno, "bind '@" + std::string(name) + "'");
  }
  return fd;
}

}  // namespace

bool SaysReady(std::string_view msg) {
  for (const std::string& line : Split(msg, '\n')) {
    if (line == "READY=1") return true;
  }
  return false;
}

Status Monitor::OpenNotify(int netns_fd) {
  CloseNotify();
  UniqueFd fd;
  // A socket belongs to the namespace it was made in. The name is bound
  // before anything inside runs, so nothing inside can have taken it.
  VZ_RETURN_IF_ERROR(net::InNetns(netns_fd, [&]() -> Status {
    VZ_ASSIGN_OR_RETURN(fd, BindNotifySocket());
    return OkStatus();
  }));
  notify_ = std::move(fd);
  return OkStatus();
}

void Monitor::CloseNotify() {
  notify_.reset();
  booted_ = false;
}

void Monitor::OnNotify() {
  for (int i = 0; i < kReadsPerWake; ++i) {
    char buf[4096];
    // Room for the credentials alone: descriptors a process inside passes
    // along (where SO_PASSRIGHTS is unknown) are dropped by the kernel,
    // never installed here. Closing one could block: a FUSE file's close
    // waits for its daemon, which may be the container's.
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(ucred))];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl;
    msg.msg_controllen = sizeof ctl;
    ssize_t n = ::recvmsg(notify_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;  // drained (or broken: nothing more to learn)
    // Anyone inside may send here; only the init speaks for the boot (its
    // pid as the kernel gives it, in the monitor's namespace). Root inside
    // could name the init's pid, but could as well make its systemd say
    // anything: what is protected is a wait, from daemons that inherited
    // the variable.
    const cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (c == nullptr || c->cmsg_level != SOL_SOCKET ||
        c->cmsg_type != SCM_CREDENTIALS) {
      continue;
    }
    ucred cred;
    std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
    if (init_pid_ > 0 && cred.pid == init_pid_ &&
        SaysReady({buf, static_cast<size_t>(n)})) {
      booted_ = true;
    }
  }
}

}  // namespace vz::monitor
