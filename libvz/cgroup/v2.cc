// cgroup v2: one tree, controllers enabled level by level
// (doc/runtime.md §2). Tested against a fake cgroupfs only: this node's
// cgroup2 mount holds no controllers but hugetlb.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/cgroup/backends.h"
#include "libvz/cgroup/files.h"

namespace vz::cgroup::internal {
namespace {

class V2Cgroup : public Cgroup {
 public:
  V2Cgroup(CgroupFs fs, std::string path)
      : fs_(std::move(fs)), path_(std::move(path)) {}

  const std::string& path() const override { return path_; }
  Layout layout() const override { return Layout::kV2; }

  std::vector<std::pair<std::string, std::string>> Dirs() const override {
    return {{"unified", Dir()}};
  }

  Status Create() override {
    std::string dir = Base();
    for (const auto& part : SplitNonEmpty(path_, '/')) {
      VZ_ASSIGN_OR_RETURN(std::string enabled, EnableControllers(dir));
      const std::string child = JoinPath(dir, part);
      if (::mkdir(child.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoError(errno, "create cgroup '" + child + "'");
      }
      if (fs_.fake) {
        // What the kernel shows in a child: the controllers its parent
        // enabled.
        VZ_RETURN_IF_ERROR(
            WriteValue(JoinPath(child, "cgroup.controllers"), enabled, true));
      }
      dir = child;
    }
    return OkStatus();
  }

  bool Exists() const override { return PathExists(Dir()); }

  Status Attach(pid_t pid) override {
    if (!Exists()) return NotFoundError("cgroup '" + path_ + "' is gone");
    return WriteValue(File("cgroup.procs"), std::to_string(pid), fs_.fake);
  }

  Status AttachSelf() override { return Attach(::getpid()); }
  Status AttachSelfIn(std::string_view /*controller*/) override {
    return AttachSelf();
  }
  bool CheapSelfAttach() const override { return false; }

  Result<std::vector<pid_t>> Pids() const override {
    return ReadPidsRecursive(Dir());
  }

  Status Freeze(std::chrono::milliseconds timeout) override {
    VZ_RETURN_IF_ERROR(WriteValue(File("cgroup.freeze"), "1", fs_.fake));
    if (fs_.fake) return OkStatus();
    VZ_ASSIGN_OR_RETURN(bool frozen, PollFor(timeout, [&]() -> Result<bool> {
                          VZ_ASSIGN_OR_RETURN(
                              uint64_t v,
                              ReadKeyed(File("cgroup.events"), "frozen"));
                          return v == 1;
                        }));
    if (frozen) return OkStatus();
    (void)Thaw();
    return DeadlineExceededError("freeze cgroup '" + path_ + "'");
  }

  Status Thaw() override {
    return WriteValue(File("cgroup.freeze"), "0", fs_.fake);
  }

  Result<bool> IsFrozen() const override {
    VZ_ASSIGN_OR_RETURN(uint64_t frozen,
                        ReadKeyed(File("cgroup.events"), "frozen"));
    return frozen == 1;
  }

  Status KillAll(int sig) override {
    if (sig != SIGKILL) return KillBySweeping(*this, sig, fs_.fake);
    // cgroup.kill (5.14) kills the whole subtree atomically.
    VZ_RETURN_IF_ERROR(WriteValue(File("cgroup.kill"), "1", fs_.fake));
    if (fs_.fake) return OkStatus();
    VZ_ASSIGN_OR_RETURN(
        bool gone, PollFor(std::chrono::seconds(10), [&]() -> Result<bool> {
          VZ_ASSIGN_OR_RETURN(uint64_t populated,
                              ReadKeyed(File("cgroup.events"), "populated"));
          return populated == 0;
        }));
    if (gone) return OkStatus();
    return DeadlineExceededError("kill cgroup '" + path_ +
                                 "': processes survive SIGKILL");
  }

  Status Remove(std::chrono::milliseconds wait) override {
    Status s = RemoveCgroupDir(Dir(), wait, fs_.fake);
    if (!s.ok() && s.sys_errno() == EBUSY) {
      return UnavailableError(s.message()).WithErrno(EBUSY);
    }
    return s;
  }

  Result<uint64_t> OomKills() const override {
    return ReadKeyed(File("memory.events"), "oom_kill");
  }

  Result<uint64_t> MemoryUsage() const override {
    return ReadNumber(File("memory.current"));
  }

  Result<uint64_t> PidsCurrent() const override {
    return ReadNumber(File("pids.current"));
  }

  Status Set(std::string_view /*controller*/, std::string_view file,
             std::string_view value) override {
    VZ_RETURN_IF_ERROR(CheckFileName(file));
    return WriteValue(File(file), value, fs_.fake);
  }

  Result<std::string> Get(std::string_view /*controller*/,
                          std::string_view file) const override {
    VZ_RETURN_IF_ERROR(CheckFileName(file));
    return ReadValue(File(file));
  }

  Status SetDevices(const std::vector<DeviceRule>& /*allow*/) override {
    return UnimplementedError(
        "device rules on cgroup v2 need a BPF program (not implemented)");
  }

  Status Delegate(uid_t uid, gid_t gid) override {
    // The files the kernel's delegation model names (cgroup-v2.rst).
    for (const char* f :
         {"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"}) {
      std::string p = *f ? File(f) : Dir();
      if (fs_.fake && !PathExists(p)) continue;
      if (::chown(p.c_str(), uid, gid) != 0) {
        return ErrnoError(errno, "delegate cgroup '" + p + "'");
      }
    }
    return OkStatus();
  }

 private:
  std::string Base() const {
    return fs_.base.empty() ? fs_.root : JoinPath(fs_.root, fs_.base);
  }
  std::string Dir() const { return JoinPath(Base(), path_); }
  std::string File(std::string_view name) const {
    return JoinPath(Dir(), name);
  }

  // Enables in `dir`'s subtree_control those of kV2Controllers it offers;
  // returns them ("cpu memory pids").
  Result<std::string> EnableControllers(const std::string& dir) {
    VZ_ASSIGN_OR_RETURN(std::string offered,
                        ReadValue(JoinPath(dir, "cgroup.controllers")));
    auto have = SplitNonEmpty(offered, ' ');
    std::vector<std::string> on, plus;
    for (auto c : kV2Controllers) {
      if (std::find(have.begin(), have.end(), c) == have.end()) continue;
      on.emplace_back(c);
      plus.push_back("+" + std::string(c));
    }
    if (!plus.empty()) {
      VZ_RETURN_IF_ERROR(WriteValue(JoinPath(dir, "cgroup.subtree_control"),
                                    Join(plus, " "), fs_.fake));
    }
    return Join(on, " ");
  }

  CgroupFs fs_;
  std::string path_;
};

}  // namespace

std::unique_ptr<Cgroup> OpenV2(const CgroupFs& fs, std::string path) {
  return std::make_unique<V2Cgroup>(fs, std::move(path));
}

}  // namespace vz::cgroup::internal
