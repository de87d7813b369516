// The container runtime: starting a container's init in its namespaces and
// running commands inside it (DESIGN §5, doc/runtime.md).
//
// The init is cloned with new mount, PID, UTS, IPC, network and cgroup
// namespaces (and a user namespace with the container's ID range and an
// idmapped root mount when unprivileged), pivot_roots into the container's
// root filesystem, gets a minimal /dev, /proc with masked host paths, a
// read-only /sys, /sys/fs/cgroup as DESIGN §5 says, a reduced capability
// bounding set and a seccomp filter, then execs the template's init.
//
// The caller of CreateInit (the monitor) is the init's parent and reaps it.
// CreateInit and Exec fork; call them from a single-threaded process.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "libvz/bindmount.h"
#include "libvz/cgroup.h"
#include "libvz/idmap.h"
#include "libvz/node_config.h"
#include "libvz/ve_config.h"

namespace vz::runtime {

// The init's $NOTIFY_SOCKET (sd_notify), without its leading '@': an
// abstract socket, so it lives in the container's own network namespace,
// where its monitor binds it before the init runs (doc/runtime.md §4).
inline constexpr char kNotifySocketName[] = "vz/notify";
inline constexpr char kNotifySocketEnv[] = "NOTIFY_SOCKET=@vz/notify";
static_assert(std::string_view(kNotifySocketEnv).ends_with(kNotifySocketName));

// Everything needed to start (and enter) one container, from its config.
struct Spec {
  std::string ctid;
  std::string rootfs;  // host path of the mounted root filesystem (VE_ROOT)
  std::string hostname;
  std::optional<IdRange> ids;  // nullopt: privileged (no user namespace)
  std::vector<std::string> init = {"/sbin/init"};
  std::vector<int> capabilities;  // the bounding set kept, CAP_* numbers
  std::vector<cgroup::DeviceRule> devices;
  std::vector<std::string> devnodes;  // "/dev/fuse", bound into /dev
  // Where the caller made the container's own copies of `devnodes` (same
  // path below it, owned by the container's root); "" binds the host's.
  std::string devnode_dir;
  cgroup::Layout cgroup_layout = cgroup::Layout::kV1;
  std::string console;  // host path of the console pty's slave, or ""
  std::string lxcfs;    // the node's lxcfs mount (libvz/lxcfs.h), or ""
  std::vector<BindMount> bindmounts;  // BINDMOUNT

  bool privileged() const { return !ids.has_value(); }
};

// The spec for `config` (rootfs = VE_ROOT, HOSTNAME, CAPABILITY, DEVICES,
// DEVNODES, FEATURES tun/fuse, INIT if set), with `ids` from EnsureIdRange.
// `for_start` also checks the host side of what a start sets up (each
// DEVNODES entry a device node, each BINDMOUNT source a directory, no
// symlink on a target's way); joining a running container (exec) skips
// that, so a bind source gone since does not lock the admin out.
// Errors: kInvalidArgument (exit 21) naming a bad key; as VeRoot.
Result<Spec> MakeSpec(const NodeConfig& node, const VeConfig& config,
                      std::optional<IdRange> ids, cgroup::Layout layout,
                      bool for_start = true);

// Checks the keys MakeSpec reads (CAPABILITY, DEVICES, DEVNODES, FEATURES
// values; not whether the devices exist on this host), so `vzctl set`
// refuses what a start would. Errors: kInvalidArgument, exit 21, naming
// the entry.
Status ValidatePolicyKeys(const VeConfig& config);

// CAPABILITY after `change` ("sys_time:on net_admin:off") is applied to
// `current`: one entry per capability, the last word wins, in canonical
// form ("sys_time:on"), as OpenVZ's `vzctl set --capability` adds to what
// the config has. Errors: as ValidatePolicyKeys.
Result<std::string> MergeCapabilities(std::string_view current,
                                      std::string_view change);

// FEATURES after `change` ("ppp:on nfs:off") is applied to `current`,
// the same way: one entry per feature in canonical form; entries of
// `current` that do not parse are dropped. Errors: as ValidatePolicyKeys,
// for `change`.
Result<std::string> MergeFeatures(std::string_view current,
                                  std::string_view change);

// What `vzctl set` says about the features `change` names ("nfs: ..."):
// those vz does not gate, and those whose device node the host lacks (a
// start goes on without it). Empty when `change` does not parse.
std::vector<std::string> FeatureWarnings(std::string_view change);

// An init cloned and set up, stopped just before exec.
class PendingInit {
 public:
  PendingInit() = default;
  PendingInit(PendingInit&& o) noexcept
      : pid_(std::exchange(o.pid_, -1)),
        pidfd_(std::move(o.pidfd_)),
        sync_(std::move(o.sync_)),
        started_(o.started_) {}
  PendingInit& operator=(PendingInit&&) = delete;
  // Kills and reaps the init unless Start() succeeded.
  ~PendingInit();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  // /proc/<pid>/ns/net of the init, for the network setup.
  Result<UniqueFd> OpenNamespace(const char* name) const;

  // Hands a cloned init (CloneInit) its root filesystem, spec.rootfs,
  // which must be mounted by now, and waits until the init has set up its
  // filesystem. Errors: as CreateInit.
  Status GiveRoot(const Spec& spec);
  // Lets the init exec. Errors: kFailedPrecondition with exit 47
  // (VZ_FS_BAD_TMPL) when the init is missing or not executable; the init
  // is reaped then.
  Status Start();
  // Hands the pidfd and pid to the caller: the init is theirs to reap.
  UniqueFd TakePidfd() {
    started_ = true;
    return std::move(pidfd_);
  }

 private:
  friend Result<PendingInit> CloneInit(const Spec&, cgroup::Cgroup&,
                                       cgroup::Cgroup*);
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd sync_;
  bool started_ = false;
};

// Clones the init into `cg` (which must exist, with its device rules set)
// and sets up its filesystem; the init waits until Start(). Errors:
// kPermissionDenied or the errno of the failing namespace, mount or
// syscall step, named ("mount '/proc': ..."), exit 7 (VZ_ENV_CREATE_ERROR).
Result<PendingInit> CreateInit(const Spec& spec, cgroup::Cgroup& cg);

// CreateInit in two steps, so the slow parts overlap: the init is cloned
// into `cg` and waits; meanwhile the caller mounts spec.rootfs, then calls
// GiveRoot. Moving the init into `cg` waits for an RCU grace period (about
// 10 ms), which is why the clone comes before the mount is done.
//
// With `home`, the cgroup the caller sits in, and where self-moves are
// cheap (v1, Cgroup::CheapSelfAttach) and the caller has one thread, the
// caller instead steps into `cg` for the clone and back to `home` after
// it: the init is born inside and nothing waits for a grace period. If the
// caller cannot get back home, the init is killed and the error says so.
// Errors: as CreateInit.
Result<PendingInit> CloneInit(const Spec& spec, cgroup::Cgroup& cg,
                              cgroup::Cgroup* home = nullptr);

struct ExecOptions {
  std::vector<std::string> argv;
  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOME=/root", "TERM=linux"};
  // stdin is a terminal to make the command's controlling terminal, in a
  // session of its own (vzctl enter).
  bool controlling_tty = false;
};

// Runs argv inside the running container whose init is `init_pid`: joins
// its cgroup and namespaces (its user namespace when the init's is not
// ours: a privileged container has none of its own, whatever the config
// says now), drops to the container's capability set and seccomp filter,
// and waits. The command is this process's child: the caller joins the
// container's PID namespace for that one fork and goes back (the PID
// namespace of its later children is its own again). stdin, stdout
// and stderr are this process's. Returns the command's exit code (128+N
// when killed by signal N; 127 when it could not be executed). Errors:
// kNotFound when the init is gone; as setns(2); kInternal if this process
// could not go back to its own PID namespace (its next children would
// start inside the container).
Result<int> Exec(const Spec& spec, pid_t init_pid, cgroup::Cgroup& cg,
                 const ExecOptions& options);

// Sends SIGKILL at once to every process in the PID namespace of the
// running container whose init is `init_pid`, but the init (kill(-1) from
// a short-lived child inside; nested namespaces' processes too). The
// init's own end takes them with it, but only once it has closed its
// files, one by one: a systemd init's inotify descriptors each wait for a
// grace period (doc/runtime.md §4), so a fast stop kills the rest first.
// Errors: kNotFound when the init is gone (or a zombie);
// kFailedPrecondition when `init_pid` shares this process's PID namespace
// (nothing is killed); kInternal when the kill failed; as
// ForkInPidNamespace.
Status KillNamespace(pid_t init_pid);

}  // namespace vz::runtime
