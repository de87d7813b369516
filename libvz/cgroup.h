// Container cgroups behind one small interface (DESIGN §2, §5;
// doc/runtime.md §2).
//
// A container's cgroup is `<prefix>/<tenant>/<CTID>` (NodeRoot::prefix(),
// VeConfig::tenant()), nested under the tenant so the kernel enforces
// tenant totals. Two layouts:
//  - v1/hybrid (this node): one directory per hierarchy under the root,
//    for the controllers in kV1Hierarchies plus the named `systemd`
//    hierarchy, which the container's init may write (Delegate);
//  - v2: one tree under the root (or under `base`, a delegated `vz.slice`
//    on a systemd host), controllers enabled along the way.
// Unit tests drive both against a plain directory laid out like cgroupfs
// (CgroupFs::fake); v1 is also tested for real.
//
// Issue 7 (resource limits) writes through Set/Get, the seams for every
// controller file.
//
// Objects are not thread-safe; several processes may act on one cgroup
// (the kernel serialises the writes).
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace vz::cgroup {

enum class Layout { kV1, kV2 };

// The v1 hierarchies a container gets, by their directory name under the
// root; "systemd" is the named hierarchy `name=systemd`.
inline constexpr std::array<std::string_view, 9> kV1Hierarchies = {
    "cpu",     "cpuacct", "cpuset", "memory", "devices",
    "freezer", "blkio",   "pids",   "systemd"};

// The controllers a v2 container cgroup gets, where the parent offers them.
inline constexpr std::array<std::string_view, 5> kV2Controllers = {
    "cpu", "cpuset", "io", "memory", "pids"};

// Where the hierarchies live.
struct CgroupFs {
  Layout layout = Layout::kV1;
  std::string root = "/sys/fs/cgroup";
  // v2: the subtree below root where ours begins ("vz.slice"), or "".
  std::string base;
  // The root is a plain directory standing in for cgroupfs (unit tests):
  // writes create files and nothing waits for the kernel.
  bool fake = false;
};

// The layout mounted at `root`: v2 when `root` itself is a cgroup2 mount
// (it has cgroup.controllers), v1/hybrid when it holds the v1 hierarchies.
// Errors: kNotFound when neither.
Result<CgroupFs> Detect(const std::string& root = "/sys/fs/cgroup");

// "<prefix>/<tenant>/<ctid>".
std::string ContainerPath(std::string_view prefix, std::string_view tenant,
                          std::string_view ctid);

// One devices-cgroup rule: type 'a' (all), 'b' or 'c'; -1 is '*'.
struct DeviceRule {
  char type = 'c';
  int64_t major = -1;
  int64_t minor = -1;
  std::string access = "rwm";
  // "c 1:3 rwm", "a".
  std::string Format() const;
  friend bool operator==(const DeviceRule&, const DeviceRule&) = default;
};

class Cgroup {
 public:
  virtual ~Cgroup() = default;

  // The path below each hierarchy root, e.g. "vz/default/101".
  virtual const std::string& path() const = 0;
  virtual Layout layout() const = 0;
  // (hierarchy name, absolute directory) for each hierarchy; v2 has one
  // named "unified".
  virtual std::vector<std::pair<std::string, std::string>> Dirs() const = 0;

  // Creates the directories with their parents (idempotent); v1 copies
  // cpuset.cpus/mems down from the parent, v2 enables the controllers in
  // each parent's cgroup.subtree_control. Errors: as mkdir/write.
  virtual Status Create() = 0;
  virtual bool Exists() const = 0;
  // Moves `pid` into the cgroup in every hierarchy. Errors: kNotFound when
  // the cgroup is gone; as write(2).
  virtual Status Attach(pid_t pid) = 0;
  // Moves the calling process into the cgroup in every hierarchy. The
  // caller must be its process's only thread (a forked child, the monitor
  // before it starts any): on v1 it writes 0 to `tasks`, which moves the
  // current thread without the threadgroup lock, and so without the RCU
  // grace period every Attach waits for (10-20 ms here). v2 has no such
  // path: there it is Attach(getpid()). Errors: as Attach.
  virtual Status AttachSelf() = 0;
  // The same in the hierarchy of one v1 `controller` only ("cpu"), leaving
  // the others (a frozen container's freezer would stop the caller); v2
  // has one hierarchy and moves into the whole cgroup. Errors: as Set.
  virtual Status AttachSelfIn(std::string_view controller) = 0;
  // Whether AttachSelf skips that wait (v1), so that moving oneself in and
  // out again beats one Attach of another process.
  virtual bool CheapSelfAttach() const = 0;
  // Every process in the cgroup and its descendants.
  virtual Result<std::vector<pid_t>> Pids() const = 0;

  // Freezes every task and waits until the kernel says frozen.
  // Errors: kDeadlineExceeded after `timeout` (the cgroup is thawed again).
  virtual Status Freeze(std::chrono::milliseconds timeout) = 0;
  virtual Status Thaw() = 0;
  virtual Result<bool> IsFrozen() const = 0;
  // Sends `sig` to every process in the cgroup (frozen ones too: the
  // cgroup is frozen around the sweep so no fork escapes; SIGKILL sweeps
  // until it is empty). Errors: kDeadlineExceeded if SIGKILL cannot empty it
  // within a few seconds.
  virtual Status KillAll(int sig) = 0;
  // Removes the cgroup (children first), retrying while tasks are still
  // leaving, up to `wait`. Gone already is OK. Errors: kUnavailable when it
  // stays busy.
  virtual Status Remove(std::chrono::milliseconds wait) = 0;

  // OOM kills so far (memory.oom_control / memory.events "oom_kill").
  virtual Result<uint64_t> OomKills() const = 0;
  virtual Result<uint64_t> MemoryUsage() const = 0;  // bytes
  virtual Result<uint64_t> PidsCurrent() const = 0;

  // The seams for limits: writes/reads `file` ("memory.limit_in_bytes") of
  // `controller` ("memory"; v2 has one directory and ignores it). Errors:
  // kInvalidArgument for a file name with '/' or an unknown controller; as
  // write(2) (the kernel's EINVAL for a bad value).
  virtual Status Set(std::string_view controller, std::string_view file,
                     std::string_view value) = 0;
  virtual Result<std::string> Get(std::string_view controller,
                                  std::string_view file) const = 0;

  // Denies every device, then allows `allow` (v1 devices controller).
  // v2 needs a BPF program: kUnimplemented.
  virtual Status SetDevices(const std::vector<DeviceRule>& allow) = 0;
  // Hands the hierarchy the container's init may write to (v1 name=systemd,
  // v2 the whole directory) to the container's root `uid`/`gid`.
  virtual Status Delegate(uid_t uid, gid_t gid) = 0;
};

// The cgroup at `path` below `fs`. Nothing is touched until a call.
std::unique_ptr<Cgroup> Open(const CgroupFs& fs, std::string path);

}  // namespace vz::cgroup
