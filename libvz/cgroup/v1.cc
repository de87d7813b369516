// cgroup v1/hybrid: one directory per hierarchy (doc/runtime.md §2).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/cgroup/backends.h"
#include "libvz/cgroup/files.h"

namespace vz::cgroup::internal {
namespace {

class V1Cgroup : public Cgroup {
 public:
  V1Cgroup(CgroupFs fs, std::string path)
      : fs_(std::move(fs)), path_(std::move(path)) {}

  const std::string& path() const override { return path_; }
  Layout layout() const override { return Layout::kV1; }

  std::vector<std::pair<std::string, std::string>> Dirs() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto h : kV1Hierarchies) out.emplace_back(std::string(h), Dir(h));
    return out;
  }

  Status Create() override {
    for (auto h : kV1Hierarchies) {
      VZ_RETURN_IF_ERROR(MakeDirs(Dir(h)).WithContext("create cgroup"));
    }
    return InitCpuset();
  }

  bool Exists() const override { return PathExists(Dir("freezer")); }

  Status Attach(pid_t pid) override {
    if (!Exists()) return NotFoundError("cgroup '" + path_ + "' is gone");
    for (auto h : kV1Hierarchies) {
      VZ_RETURN_IF_ERROR(WriteValue(JoinPath(Dir(h), "cgroup.procs"),
                                    std::to_string(pid), fs_.fake));
    }
    return OkStatus();
  }

  Status AttachSelf() override {
    if (!Exists()) return NotFoundError("cgroup '" + path_ + "' is gone");
    for (auto h : kV1Hierarchies) VZ_RETURN_IF_ERROR(AttachSelfIn(h));
    return OkStatus();
  }

  Status AttachSelfIn(std::string_view controller) override {
    VZ_ASSIGN_OR_RETURN(std::string dir, ControllerDir(controller));
    return WriteValue(JoinPath(dir, "tasks"), "0", fs_.fake);
  }

  bool CheapSelfAttach() const override { return true; }

  Result<std::vector<pid_t>> Pids() const override {
    return ReadPidsRecursive(Dir("freezer"));
  }

  Status Freeze(std::chrono::milliseconds timeout) override {
    const std::string state = JoinPath(Dir("freezer"), "freezer.state");
    VZ_RETURN_IF_ERROR(WriteValue(state, "FROZEN", fs_.fake));
    if (fs_.fake) return OkStatus();
    std::string now;
    VZ_ASSIGN_OR_RETURN(bool frozen, PollFor(timeout, [&]() -> Result<bool> {
                          VZ_ASSIGN_OR_RETURN(now, ReadValue(state));
                          if (now == "FROZEN") return true;
                          // Writing FROZEN again retries tasks that were
                          // busy in the kernel.
                          (void)WriteValue(state, "FROZEN", false);
                          return false;
                        }));
    if (frozen) return OkStatus();
    (void)Thaw();
    return DeadlineExceededError("freeze cgroup '" + path_ + "': still " + now);
  }

  Status Thaw() override {
    return WriteValue(JoinPath(Dir("freezer"), "freezer.state"), "THAWED",
                      fs_.fake);
  }

  Result<bool> IsFrozen() const override {
    VZ_ASSIGN_OR_RETURN(std::string s,
                        ReadValue(JoinPath(Dir("freezer"), "freezer.state")));
    return s == "FROZEN";
  }

  Status KillAll(int sig) override {
    return KillBySweeping(*this, sig, fs_.fake);
  }

  Status Remove(std::chrono::milliseconds wait) override {
    Status first;
    for (auto h : kV1Hierarchies) {
      Status s = RemoveCgroupDir(Dir(h), wait, fs_.fake);
      if (first.ok()) first = s;
    }
    if (!first.ok() && first.sys_errno() == EBUSY) {
      return UnavailableError(first.message()).WithErrno(EBUSY);
    }
    return first;
  }

  Result<uint64_t> OomKills() const override {
    return ReadKeyed(JoinPath(Dir("memory"), "memory.oom_control"), "oom_kill");
  }

  Result<uint64_t> MemoryUsage() const override {
    return ReadNumber(JoinPath(Dir("memory"), "memory.usage_in_bytes"));
  }

  Result<uint64_t> PidsCurrent() const override {
    return ReadNumber(JoinPath(Dir("pids"), "pids.current"));
  }

  Status Set(std::string_view controller, std::string_view file,
             std::string_view value) override {
    VZ_ASSIGN_OR_RETURN(std::string dir, ControllerDir(controller));
    VZ_RETURN_IF_ERROR(CheckFileName(file));
    return WriteValue(JoinPath(dir, file), value, fs_.fake);
  }

  Result<std::string> Get(std::string_view controller,
                          std::string_view file) const override {
    VZ_ASSIGN_OR_RETURN(std::string dir, ControllerDir(controller));
    VZ_RETURN_IF_ERROR(CheckFileName(file));
    return ReadValue(JoinPath(dir, file));
  }

  Status SetDevices(const std::vector<DeviceRule>& allow) override {
    const std::string dir = Dir("devices");
    VZ_RETURN_IF_ERROR(
        WriteValue(JoinPath(dir, "devices.deny"), "a", fs_.fake));
    for (const auto& rule : allow) {
      VZ_RETURN_IF_ERROR(
          WriteValue(JoinPath(dir, "devices.allow"), rule.Format(), fs_.fake)
              .WithContext("allow device"));
    }
    return OkStatus();
  }

  Status Delegate(uid_t uid, gid_t gid) override {
    const std::string dir = Dir("systemd");
    for (const char* f : {"", "cgroup.procs", "tasks", "cgroup.clone_children",
                          "notify_on_release"}) {
      std::string p = *f ? JoinPath(dir, f) : dir;
      if (fs_.fake && !PathExists(p)) continue;
      if (::chown(p.c_str(), uid, gid) != 0) {
        return ErrnoError(errno, "delegate cgroup '" + p + "'");
      }
    }
    return OkStatus();
  }

 private:
  std::string Dir(std::string_view hierarchy) const {
    return JoinPath(JoinPath(fs_.root, hierarchy), path_);
  }

  Result<std::string> ControllerDir(std::string_view controller) const {
    if (std::find(kV1Hierarchies.begin(), kV1Hierarchies.end(), controller) ==
        kV1Hierarchies.end()) {
      return InvalidArgumentError("unknown cgroup controller '" +
                                  std::string(controller) + "'");
    }
    return Dir(controller);
  }

  // A new cpuset cgroup has no CPUs or memory nodes: no task could join it.
  // Each level inherits its parent's.
  Status InitCpuset() {
    std::string dir = JoinPath(fs_.root, "cpuset");
    for (const auto& part : SplitNonEmpty(path_, '/')) {
      const std::string child = JoinPath(dir, part);
      for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
        auto mine = ReadValue(JoinPath(child, f));
        if (mine.has_value() && !mine->empty()) continue;
        auto parent = ReadValue(JoinPath(dir, f));
        if (!parent.has_value()) {
          if (fs_.fake) continue;
          return parent.error();
        }
        VZ_RETURN_IF_ERROR(WriteValue(JoinPath(child, f), *parent, fs_.fake));
      }
      dir = child;
    }
    return OkStatus();
  }

  CgroupFs fs_;
  std::string path_;
};

}  // namespace

std::unique_ptr<Cgroup> OpenV1(const CgroupFs& fs, std::string path) {
  return std::make_unique<V1Cgroup>(fs, std::move(path));
}

}  // namespace vz::cgroup::internal
