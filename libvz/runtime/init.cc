// CreateInit: the parent's side of starting a container's init.
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/file_util.h"
#include "base/log.h"
#include "base/self_cgroup.h"
#include "libvz/exit_codes.h"
#include "libvz/lxcfs.h"
#include "libvz/runtime.h"
#include "libvz/runtime/child.h"

namespace vz::runtime {

using internal::MountPlan;
using internal::ReadMessage;

PendingInit::~PendingInit() {
  if (pid_ > 0 && !started_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

Result<UniqueFd> PendingInit::OpenNamespace(const char* name) const {
  std::string path = "/proc/" + std::to_string(pid_) + "/ns/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoError(errno, "open '" + path + "'");
  return fd;
}

Status PendingInit::Start() {
  if (::send(sync_.get(), "G", 1, MSG_NOSIGNAL) != 1) {
    return ErrnoError(errno, "start init");
  }
  auto m = ReadMessage(sync_.get());
  sync_.reset();
  if (m.has_value() && m->empty()) {
    started_ = true;  // the socket closed on exec
    return OkStatus();
  }
  Status s = m.has_value() ? InternalError("init said '" + *m + "'")
                           : std::move(m).error();
  if (s.sys_errno() == ENOENT || s.sys_errno() == EACCES ||
      s.sys_errno() == ENOEXEC) {
    s.WithExitCode(kVzFsBadTmpl);
  }
  return s.WithDefaultExitCode(kVzEnvCreateError);
}

namespace {

Status WriteMaps(pid_t pid, const IdRange& ids) {
  const std::string dir = "/proc/" + std::to_string(pid);
  for (auto [file, text] : {std::pair{"/uid_map", ids.UidMap()},
                            std::pair{"/gid_map", ids.GidMap()}}) {
    UniqueFd fd(::open((dir + file).c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), text.data(), text.size()) < 0) {
      return ErrnoError(errno, std::string("write ") + (file + 1));
    }
  }
  return OkStatus();
}

// A detached copy of the root filesystem's mount, idmapped to the init's
// user namespace when it has one: container root's files stay owned by
// host root on disk (DESIGN §5).
Result<UniqueFd> RootMount(const Spec& spec, pid_t pid) {
  UniqueFd fd(static_cast<int>(
      ::syscall(SYS_open_tree, AT_FDCWD, spec.rootfs.c_str(),
                OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
  if (!fd) return ErrnoError(errno, "clone mount '" + spec.rootfs + "'");
  if (spec.privileged()) return fd;
  UniqueFd userns(::open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(),
                         O_RDONLY | O_CLOEXEC));
  if (!userns) return ErrnoError(errno, "open init's user namespace");
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns.get());
  if (::syscall(SYS_mount_setattr, fd.get(), "", AT_EMPTY_PATH | AT_RECURSIVE,
                &attr, sizeof(attr)) != 0) {
    return ErrnoError(errno, "idmap mount '" + spec.rootfs + "'");
  }
  return fd;
}

// The init's clone: new namespaces, a pidfd, SIGCHLD on exit.
long CloneWithPidfd(const Spec& spec, int* pidfd) {
  clone_args args{};
  args.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
               CLONE_NEWNET | CLONE_PIDFD |
               (spec.privileged() ? 0 : CLONE_NEWUSER);
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = SIGCHLD;
  return ::syscall(SYS_clone3, &args, sizeof(args));
}

// Back to the caller's own cgroup after stepping into the container's
// (cheaply, else by a plain move), with or without a cloned init. If even that
// fails, the init (when there is one) is killed and reaped, and the error says
// the caller is stuck inside: its undo steps must not freeze or kill that
// cgroup.
Status StepOut(cgroup::Cgroup& home, long pid, int pidfd) {
  if (home.AttachSelf().ok()) return OkStatus();
  Status s = home.Attach(::getpid());
  if (s.ok()) return s;
  if (pidfd >= 0) {
    ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
    ::close(pidfd);
  }
  return std::move(s.WithContext("leave the container's cgroup after "
                                 "cloning its init")
                       .WithDefaultExitCode(kVzEnvCreateError));
}

}  // namespace

Result<PendingInit> CloneInit(const Spec& spec, cgroup::Cgroup& cg,
                              cgroup::Cgroup* home) {
  const auto plan = MountPlan({.rootfs = spec.rootfs,
                               .layout = spec.cgroup_layout,
                               .console = spec.console,
                               .devnodes = spec.devnodes,
                               .devnode_dir = spec.devnode_dir,
                               .lxcfs = spec.lxcfs,
                               .lxcfs_files = LxcfsFiles(),
                               .bindmounts = spec.bindmounts});
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return ErrnoError(errno, "socketpair");
  }
  UniqueFd ours(sv[0]), theirs(sv[1]);
  // Born inside the cgroup where that is cheap (see runtime.h); cloned at
  // home and moved in otherwise, also when stepping in or the clone from
  // inside fails (a pids.max that the caller's own presence exceeds).
  bool born_inside =
      home != nullptr && cg.CheapSelfAttach() && SingleThreaded();
  if (born_inside && !cg.AttachSelf().ok()) {
    VZ_RETURN_IF_ERROR(StepOut(*home, -1, -1));
    born_inside = false;
  }
  int pidfd = -1;
  auto clone = [&] {
    long pid = CloneWithPidfd(spec, &pidfd);
    if (pid == 0) {
      ours.reset();
      internal::RunInitChild(spec, plan, theirs.get());
    }
    return pid;
  };
  long pid = clone();
  if (born_inside) {
    const int clone_errno = errno;
    VZ_RETURN_IF_ERROR(StepOut(*home, pid, pidfd));
    if (pid < 0) {
      VZ_LOG(kInfo) << "clone init inside its cgroup: "
                    << std::strerror(clone_errno) << "; cloning it outside";
      born_inside = false;
      pid = clone();
    }
  }
  if (pid < 0) {
    return ErrnoError(errno, "clone init").WithExitCode(kVzEnvCreateError);
  }
  theirs.reset();
  PendingInit init;
  init.pid_ = static_cast<pid_t>(pid);
  init.pidfd_.reset(pidfd);
  init.sync_ = std::move(ours);
  if (spec.ids) {
    if (Status s = WriteMaps(init.pid_, *spec.ids); !s.ok()) {
      return std::move(s.WithDefaultExitCode(kVzEnvCreateError));
    }
  }
  if (born_inside) return init;
  if (Status s = cg.Attach(init.pid_); !s.ok()) {
    return std::move(s.WithDefaultExitCode(kVzEnvCreateError));
  }
  return init;
}

Status PendingInit::GiveRoot(const Spec& spec) {
  auto fail = [](Status s) {
    return std::move(s.WithDefaultExitCode(kVzEnvCreateError));
  };
  auto root = RootMount(spec, pid_);
  if (!root.has_value()) return fail(root.error());
  if (Status s = internal::SendFd(sync_.get(), root->get()); !s.ok()) {
    return fail(s);
  }
  auto ready = ReadMessage(sync_.get());
  if (!ready.has_value()) {
    return fail(std::move(ready).error().WithContext("set up container"));
  }
  if (*ready != "R") {
    return fail(InternalError("set up container: init died"));
  }
  return OkStatus();
}

Result<PendingInit> CreateInit(const Spec& spec, cgroup::Cgroup& cg) {
  VZ_ASSIGN_OR_RETURN(PendingInit init, CloneInit(spec, cg));
  VZ_RETURN_IF_ERROR(init.GiveRoot(spec));
  return init;
}

}  // namespace vz::runtime
