#include "libvz/lxcfs.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "base/file_lock.h"
#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "libvz/util/detach.h"

namespace vz {
namespace {

constexpr long kFuseSuperMagic = 0x65735546;

std::string PidFile(const NodeConfig& node) {
  return node.root().Path("/run/vz/lxcfs.pid");
}

// The pid in the pid file, if that process is lxcfs.
std::optional<pid_t> LxcfsPid(const NodeConfig& node) {
  auto text = ReadFile(PidFile(node));
  if (!text.has_value()) return std::nullopt;
  auto pid = ParseUint(Trim(*text));
  if (!pid.has_value() || *pid == 0) return std::nullopt;
  auto comm = ReadFile("/proc/" + std::to_string(*pid) + "/comm");
  if (!comm.has_value() || Trim(*comm) != "lxcfs") return std::nullopt;
  return static_cast<pid_t>(*pid);
}

}  // namespace

std::string LxcfsDir(const NodeConfig& node) {
  return node.root().Path("/var/lib/vz/lxcfs");
}

const std::vector<std::string>& LxcfsFiles() {
  static const std::vector<std::string> kFiles = {
      "proc/cpuinfo", "proc/meminfo",
      "proc/stat",    "proc/uptime",
      "proc/loadavg", "proc/diskstats",
      "proc/swaps",   "sys/devices/system/cpu/online"};
  return kFiles;
}

bool LxcfsAlive(const std::string& dir) {
  struct statfs fs;
  if (::statfs(dir.c_str(), &fs) != 0 || fs.f_type != kFuseSuperMagic) {
    return false;
  }
  return ::access((dir + "/proc/meminfo").c_str(), R_OK) == 0;
}

void RefreshLxcfsNames(const std::string& dir) {
  struct stat st;
  for (const auto& f : LxcfsFiles()) (void)::stat((dir + "/" + f).c_str(), &st);
}

namespace {

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Gives the directories above `dir` o+x (and g+x) where they lack it, if
// they are `ours` or below it; names the first one that is not.
Status LetOthersSearch(const std::string& dir, const std::string& ours) {
  for (std::string d = DirName(dir); d.size() > 1; d = DirName(d)) {
    struct stat st;
    if (::stat(d.c_str(), &st) != 0) {
      return ErrnoError(errno, "stat '" + d + "'");
    }
    if ((st.st_mode & S_IXOTH) != 0) continue;
    if (d != ours && !d.starts_with(ours + "/")) {
      return FailedPreconditionError(
          "containers cannot reach lxcfs at '" + dir + "': '" + d +
          "' is not searchable by others (mode " + Octal(st.st_mode) + ")");
    }
    if (::chmod(d.c_str(), (st.st_mode & 07777) | S_IXGRP | S_IXOTH) != 0) {
      return ErrnoError(errno, "chmod '" + d + "'");
    }
  }
  return OkStatus();
}

// An unprivileged container's init binds the lxcfs files from the host's
// path, as an unmapped ID: every directory above the mount must let others
// search it. The node's own /var/lib/vz gets o+x when it lacks it (older
// versions made it 0700 with the host key pool below it, whose own 0700
// keeps the keys private); a directory above it is the host's, not ours to
// change: an error naming it.
Status LetContainersReach(const NodeConfig& node, const std::string& path) {
  // The init looks `path` up as given, passing the directories on its way
  // and, through a link (a /var/lib/vz linked elsewhere), those where it
  // leads: both must let it through.
  const std::string ours = node.root().Path("/var/lib/vz");
  VZ_RETURN_IF_ERROR(LetOthersSearch(path, ours));
  char real[PATH_MAX], ours_real[PATH_MAX];
  if (::realpath(path.c_str(), real) == nullptr) {
    return ErrnoError(errno, "resolve '" + path + "'");
  }
  if (path == real) return OkStatus();
  return LetOthersSearch(real, ::realpath(ours.c_str(), ours_real)
                                   ? std::string(ours_real)
                                   : ours);
}

// Starts lxcfs at `dir` unless it answers there already.
Status StartUnlessAlive(const NodeConfig& node, const std::string& dir) {
  if (LxcfsAlive(dir)) return OkStatus();
  VZ_ASSIGN_OR_RETURN(std::string binary, FindProgram("lxcfs"));
  VZ_RETURN_IF_ERROR(MakeDirs(node.root().Path("/run/vz")));
  // One starter at a time: containers start in parallel at boot.
  VZ_ASSIGN_OR_RETURN(
      FileLock lock,
      FileLock::Acquire(node.root().Path("/run/vz/lxcfs.lock"),
                        FileLock::Mode::kExclusive, /*wait=*/true));
  if (LxcfsAlive(dir)) return OkStatus();
  // A dead lxcfs leaves a mount that answers ENOTCONN: detach it.
  if (auto old = LxcfsPid(node)) ::kill(*old, SIGKILL);
  ::umount2(dir.c_str(), MNT_DETACH);
  VZ_RETURN_IF_ERROR(MakeDirs(dir, 0755));
  const std::string log = node.root().Path("/var/log/vz/lxcfs.log");
  VZ_RETURN_IF_ERROR(MakeDirs(DirName(log)));
  VZ_RETURN_IF_ERROR(SpawnDetached(
      {binary, "-f", "-l", "--enable-cfs", "-p", PidFile(node), dir}, log));
  for (int i = 0; i < 100; ++i) {
    if (LxcfsAlive(dir)) return OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return DeadlineExceededError("lxcfs did not come up at '" + dir + "' (see " +
                               log + ")");
}

}  // namespace

Result<std::string> EnsureLxcfs(const NodeConfig& node, bool for_userns) {
  const std::string dir = LxcfsDir(node);
  VZ_RETURN_IF_ERROR(StartUnlessAlive(node, dir));
  if (for_userns) VZ_RETURN_IF_ERROR(LetContainersReach(node, dir));
  return dir;
}

Status RebindLxcfs(const std::string& dir, pid_t init_pid) {
  // The container's root has no path to the host's lxcfs mount: clone each
  // file's mount here (open_tree) and attach the clones over there
  // (move_mount), in a child that joins the container's mount namespace.
  std::vector<std::pair<UniqueFd, std::string>> trees;
  for (const auto& f : LxcfsFiles()) {
    int fd = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD,
                                        (dir + "/" + f).c_str(),
                                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (fd < 0) return ErrnoError(errno, "open_tree '" + dir + "/" + f + "'");
    trees.emplace_back(UniqueFd(fd), "/" + f);
  }
  UniqueFd ns(::open(("/proc/" + std::to_string(init_pid) + "/ns/mnt").c_str(),
                     O_RDONLY | O_CLOEXEC));
  if (!ns.valid()) return ErrnoError(errno, "open the container's mount ns");
  pid_t pid = ::fork();
  if (pid < 0) return ErrnoError(errno, "fork");
  if (pid == 0) {
    if (::setns(ns.get(), CLONE_NEWNS) != 0 || ::chdir("/") != 0) ::_exit(1);
    int failed = 0;
    for (const auto& [fd, target] : trees) {
      // The bind on the dead lxcfs goes (its file answers ENOTCONN, so
      // nothing here stats it first); a file this kernel lacks is skipped.
      ::umount2(target.c_str(), MNT_DETACH);
      if (::syscall(SYS_move_mount, fd.get(), "", AT_FDCWD, target.c_str(),
                    MOVE_MOUNT_F_EMPTY_PATH) != 0 &&
          errno != ENOENT) {
        ++failed;
      }
    }
    ::_exit(failed ? 2 : 0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return InternalError("rebind lxcfs in the container of pid " +
                         std::to_string(init_pid));
  }
  return OkStatus();
}

Status StopLxcfs(const NodeConfig& node) {
  // lxcfs ignores SIGTERM (it must outlive restarts of its users); taking
  // its mount away ends its FUSE session, and it exits.
  auto pid = LxcfsPid(node);
  ::umount2(LxcfsDir(node).c_str(), MNT_DETACH);
  if (pid) {
    for (int i = 0; i < 100 && ::kill(*pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(*pid, SIGKILL);
  }
  ::unlink(PidFile(node).c_str());
  return OkStatus();
}

}  // namespace vz
