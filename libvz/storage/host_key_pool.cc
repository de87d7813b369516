#include "libvz/host_key_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "base/uuid.h"
#include "libvz/node_cgroups.h"
#include "libvz/util/detach.h"

namespace vz::storage {
namespace {

constexpr std::string_view kSuffix = ".key";

bool IsPairKey(const std::string& name, std::string_view type) {
  return name.size() > type.size() && name.starts_with(type) &&
         name[type.size()] == '-' && name.ends_with(kSuffix);
}

// ssh-keygen's arguments for a new key of `type`: RSA as `ssh-keygen -A`
// makes it (3072 bits), the others at their defaults.
std::vector<std::string> KeygenArgs(std::string_view type,
                                    const std::string& file) {
  std::vector<std::string> args = {"ssh-keygen", "-q", "-t", std::string(type)};
  if (type == "rsa") args.insert(args.end(), {"-b", "3072"});
  args.insert(args.end(), {"-N", "", "-C", "", "-f", file});
  return args;
}

// Copies `from` to a new file `to` (O_EXCL, O_NOFOLLOW) with `mode`.
Status CopyNew(const std::string& from, const std::string& to, mode_t mode) {
  VZ_ASSIGN_OR_RETURN(std::string data, ReadFile(from));
  UniqueFd fd(::open(
      to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) return ErrnoError(errno, "create '" + to + "'");
  if (::write(fd.get(), data.data(), data.size()) !=
      static_cast<ssize_t>(data.size())) {
    return ErrnoError(errno, "write '" + to + "'");
  }
  return OkStatus();
}

// Removes what a claim or refill that died midway left behind.
void RemoveLeftovers(const std::string& dir,
                     const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (n.starts_with("claimed-") || n.ends_with(".tmp") ||
        n.ends_with(".tmp.pub")) {
      ::unlink(JoinPath(dir, n).c_str());
    }
  }
}

}  // namespace

HostKeyPool HostKeyPool::ForNode(const NodeConfig& node) {
  return HostKeyPool(node.root().Path("/var/lib/vz/hostkeys"));
}

int HostKeyPool::Count(std::string_view type) const {
  auto names = ListDir(dir_);
  if (!names.has_value()) return 0;
  int n = 0;
  for (const auto& name : *names) n += IsPairKey(name, type) ? 1 : 0;
  return n;
}

Result<bool> HostKeyPool::Take(std::string_view type,
                               const std::string& ssh_dir) const {
  auto names = ListDir(dir_);
  if (!names.has_value()) return false;  // no pool on this node
  for (const auto& name : *names) {
    if (!IsPairKey(name, type)) continue;
    const std::string key = JoinPath(dir_, name);
    const std::string claimed =
        JoinPath(dir_, "claimed-" + std::to_string(::getpid()) + "-" + name);
    // The claim: whoever renames the key first owns the pair.
    if (::rename(key.c_str(), claimed.c_str()) != 0) {
      if (errno == ENOENT) continue;
      return ErrnoError(errno, "claim '" + key + "'");
    }
    const std::string dest =
        JoinPath(ssh_dir, "ssh_host_" + std::string(type) + "_key");
    Status s = CopyNew(claimed, dest, 0600);
    if (s.ok()) {
      s = CopyNew(key + ".pub", dest + ".pub", 0644);
      if (!s.ok()) ::unlink(dest.c_str());  // ours: no half pair
    }
    ::unlink(claimed.c_str());
    ::unlink((key + ".pub").c_str());
    if (!s.ok()) return s;
    return true;
  }
  return false;
}

Status HostKeyPool::Refill(int target,
                           const std::function<void()>& first) const {
  // The parents as any (<root>/var/lib/vz, where containers reach lxcfs
  // through): MakeDirs would give the ones it makes the pool's 0700.
  VZ_RETURN_IF_ERROR(MakeDirs(DirName(dir_)));
  VZ_RETURN_IF_ERROR(MakeDirs(dir_, 0700));
  UniqueFd lock(::open(JoinPath(dir_, ".refill.lock").c_str(),
                       O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) return ErrnoError(errno, "open the refill lock in '" + dir_ + "'");
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return OkStatus();  // another refill runs
    return ErrnoError(errno, "lock '" + dir_ + "'");
  }
  // Who holds the lock, for StopHostKeyRefill.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock.get(), 0) != 0 ||
      ::pwrite(lock.get(), pid.data(), pid.size(), 0) < 0) {
    return ErrnoError(errno, "write the refill lock in '" + dir_ + "'");
  }
  if (first) first();
  VZ_ASSIGN_OR_RETURN(auto names, ListDir(dir_));
  RemoveLeftovers(dir_, names);
  for (std::string_view type : kTypes) {
    for (int have = Count(type); have < target; ++have) {
      VZ_ASSIGN_OR_RETURN(Uuid id, Uuid::Generate());
      const std::string base =
          JoinPath(dir_, std::string(type) + "-" + id.ToString());
      const std::string tmp = base + ".tmp";
      VZ_RETURN_IF_ERROR(
          RunChecked(KeygenArgs(type, tmp))
              .status()
              .WithContext("make an " + std::string(type) + " host key"));
      // The .pub first: a pair counts once its .key is there.
      std::string key = base + std::string(kSuffix);
      if (::rename((tmp + ".pub").c_str(), (key + ".pub").c_str()) != 0 ||
          ::rename(tmp.c_str(), key.c_str()) != 0) {
        return ErrnoError(errno, "add a key to '" + dir_ + "'");
      }
    }
  }
  return OkStatus();
}

namespace {

// Every job in the node's idle cgroup (node_cgroups.h): a refill and its
// ssh-keygen, also one that has not taken the lock yet.
Status EndIdleCgroup(const NodeConfig& node) {
  auto fs = NodeCgroupFs(node);
  if (!fs.has_value()) return OkStatus();  // no cgroupfs: none made
  return EndIdleJobs(*fs, node.root().prefix());
}

}  // namespace

Status StopHostKeyRefill(const NodeConfig& node) {
  const Status ended = EndIdleCgroup(node);
  const auto pool = HostKeyPool::ForNode(node);
  const std::string lock_path = JoinPath(pool.dir(), ".refill.lock");
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CLOEXEC));
  if (!lock) return ended;                                        // never
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) == 0) return ended;  // idle
  // A refill still holding it ran outside the idle cgroup (none could be
  // made; the refill is then its process group's leader), or EndIdleJobs
  // failed (its error is returned below): by the pid the lock names, if
  // that is a refill.
  auto text = ReadFile(lock_path);
  pid_t pid = text.has_value() ? std::atoi(text->c_str()) : 0;
  auto cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  if (pid <= 0 || !cmdline.has_value() ||
      cmdline->find("hostkeys") == std::string::npos || ::getpgid(pid) != pid) {
    if (!ended.ok()) return ended;
    return FailedPreconditionError("the host key refill lock in '" +
                                   pool.dir() + "' names no refill");
  }
  // Its ssh-keygen first (a process group of its own, as every subprocess
  // of ours), then the refill's group.
  const std::string task = "/proc/" + std::to_string(pid) + "/task/" +
                           std::to_string(pid) + "/children";
  for (const auto& c : SplitNonEmpty(ReadFile(task).value_or(""), ' ')) {
    if (pid_t child = std::atoi(c.c_str()); child > 0) ::kill(child, SIGTERM);
  }
  ::kill(-pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) == 0) return ended;
    ::usleep(10000);
  }
  if (!ended.ok()) return ended;
  return DeadlineExceededError("the host key refill " + std::to_string(pid) +
                               " did not stop");
}

void StartHostKeyRefill(const NodeConfig& node) {
  auto vztmpl = FindSiblingProgram("vztmpl");
  if (!vztmpl.has_value()) {
    VZ_LOG(kInfo) << "no vztmpl to refill the host key pool";
    return;
  }
  Status s = SpawnDetached({*vztmpl, "-q", "--root", node.root().root(),
                            "hostkeys", "refill", "--detached"},
                           node.root().Path("/var/log/vz/hostkeys.log"));
  if (!s.ok()) VZ_LOG(kWarning) << "refill host keys: " << s.message();
}

}  // namespace vz::storage
