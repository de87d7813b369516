#include "libvz/runtime/child.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace vz::runtime::internal {

Status SendFd(int sock, int fd) {
  char byte = 'F';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf;
  msg.msg_controllen = sizeof(buf);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (::sendmsg(sock, &msg, MSG_NOSIGNAL) != 1) {
    return ErrnoError(errno, "send root mount to init");
  }
  return OkStatus();
}

Result<int> RecvFd(int sock) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf;
  msg.msg_controllen = sizeof(buf);
  if (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1) {
    return ErrnoError(errno ? errno : EPIPE, "receive root mount");
  }
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) {
    return InternalError("receive root mount: no descriptor");
  }
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

void SendError(int sock, const Status& s) {
  std::string m = "E" + std::to_string(s.sys_errno()) + ":" + s.message();
  (void)!::send(sock, m.data(), m.size(), MSG_NOSIGNAL);
}

Result<std::string> ReadMessage(int sock) {
  char buf[4096];
  ssize_t n;
  do {
    n = ::recv(sock, buf, sizeof(buf), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoError(errno, "read from init");
  std::string m(buf, static_cast<size_t>(n));
  if (!m.starts_with("E")) return m;
  auto colon = m.find(':');
  int err = 0;
  std::from_chars(m.data() + 1, m.data() + colon, err);
  std::string text = m.substr(colon + 1);
  Status s = err ? Status(CodeForErrno(err), text).WithErrno(err)
                 : InternalError(text);
  return s;
}

namespace {

Status Check(int rc, const std::string& what) {
  if (rc != 0) return ErrnoError(errno, what);
  return OkStatus();
}

// The monitor may shield itself from the OOM killer; its children must
// not inherit that.
void ResetOomScore() {
  int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)!::write(fd, "0", 1);
  ::close(fd);
}

Status BecomeRoot(const Spec& spec) {
  if (spec.ids) {
    VZ_RETURN_IF_ERROR(Check(::setresgid(0, 0, 0), "setresgid"));
    VZ_RETURN_IF_ERROR(Check(::setresuid(0, 0, 0), "setresuid"));
  }
  return Check(::setgroups(0, nullptr), "setgroups");
}

Status EnterRoot(const Spec& spec, const std::vector<MountStep>& plan,
                 int root_fd) {
  VZ_RETURN_IF_ERROR(Check(::unshare(CLONE_NEWCGROUP), "unshare cgroup"));
  VZ_RETURN_IF_ERROR(
      Check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr),
            "make mounts private"));
  VZ_RETURN_IF_ERROR(Check(
      static_cast<int>(::syscall(SYS_move_mount, root_fd, "", AT_FDCWD,
                                 spec.rootfs.c_str(), 0x4 /* F_EMPTY_PATH */)),
      "mount root on '" + spec.rootfs + "'"));
  ::close(root_fd);
  VZ_RETURN_IF_ERROR(ApplyMountPlan(plan));
  VZ_RETURN_IF_ERROR(
      Check(::sethostname(spec.hostname.data(), spec.hostname.size()),
            "set hostname"));
  VZ_RETURN_IF_ERROR(Check(::chdir(spec.rootfs.c_str()), "chdir root"));
  VZ_RETURN_IF_ERROR(Check(
      static_cast<int>(::syscall(SYS_pivot_root, ".", ".")), "pivot_root"));
  VZ_RETURN_IF_ERROR(Check(::umount2(".", MNT_DETACH), "detach old root"));
  return Check(::chdir("/"), "chdir /");
}

// The console is the init's stdin, stdout and stderr but not its
// controlling terminal, as on a machine (the kernel never makes
// /dev/console one): inits give their gettys and shells a terminal of
// their own. As the console's session leader, systemd's own vhangup() of
// the console at boot sent it SIGHUP, which it takes for a daemon-reload:
// generators and every unit loaded twice, about 100 ms of each boot.
Status SetupConsole(const Spec& spec) {
  int fd = ::open(spec.console.empty() ? "/dev/null" : "/dev/console",
                  O_RDWR | O_NOCTTY);
  if (fd < 0) return ErrnoError(errno, "open console");
  if (::setsid() < 0) return ErrnoError(errno, "setsid");
  for (int i = 0; i < 3; ++i) {
    if (::dup2(fd, i) < 0) return ErrnoError(errno, "dup console");
  }
  if (fd > 2) ::close(fd);
  return OkStatus();
}

Status Prepare(const Spec& spec, const std::vector<MountStep>& plan, int sync) {
  ResetOomScore();
  VZ_ASSIGN_OR_RETURN(int root_fd, RecvFd(sync));
  VZ_RETURN_IF_ERROR(BecomeRoot(spec));
  VZ_RETURN_IF_ERROR(EnterRoot(spec, plan, root_fd));
  VZ_RETURN_IF_ERROR(SetupConsole(spec));
  return DropBoundingSet(spec.capabilities);
}

}  // namespace

// Runs in the freshly cloned init of a single-threaded parent, so it may
// allocate; everything it needs was computed before the clone.
void RunInitChild(const Spec& spec, const std::vector<MountStep>& plan,
                  int sync) {
  Status s = Prepare(spec, plan, sync);
  if (!s.ok()) {
    SendError(sync, s);
    ::_exit(1);
  }
  (void)!::send(sync, "R", 1, MSG_NOSIGNAL);
  auto go = ReadMessage(sync);
  if (!go.has_value() || *go != "G") ::_exit(1);
  // The monitor's descriptors stay behind; the sync socket closes on exec.
  ::syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
  if (s = LoadSeccompFilter(); !s.ok()) {
    SendError(sync, s);
    ::_exit(1);
  }
  std::vector<char*> argv;
  for (const auto& a : spec.init) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char env0[] = "container=vz";
  char env1[] =
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char env2[] = "TERM=linux";
  // Where systemd says READY=1 once booted, as under systemd-nspawn.
  char env3[sizeof kNotifySocketEnv];
  std::memcpy(env3, kNotifySocketEnv, sizeof env3);
  char* envp[] = {env0, env1, env2, env3, nullptr};
  ::execve(argv[0], argv.data(), envp);
  SendError(sync, ErrnoError(errno, "exec init '" + spec.init[0] + "'"));
  ::_exit(127);
}

}  // namespace vz::runtime::internal
