// Monitor::Boot: one start of the container, undone on failure.
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "base/forked_call.h"
#include "base/log.h"
#include "base/reverter.h"
#include "libvz/container/internal.h"
#include "libvz/exit_codes.h"
#include "libvz/lxcfs.h"
#include "libvz/monitor/monitor.h"
#include "libvz/resources.h"
#include "libvz/storage.h"

namespace vz::monitor {

Status Monitor::OpenConsole() {
  pty_master_.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty_master_) return ErrnoError(errno, "open console pty");
  if (::grantpt(pty_master_.get()) != 0 || ::unlockpt(pty_master_.get()) != 0) {
    return ErrnoError(errno, "unlock console pty");
  }
  char name[64];
  if (::ptsname_r(pty_master_.get(), name, sizeof name) != 0) {
    return ErrnoError(errno, "console pty name");
  }
  pty_path_ = name;
  // Held open here too, so the master never sees a hang-up when the init
  // closes its console.
  pty_slave_.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty_slave_) return ErrnoError(errno, "open '" + pty_path_ + "'");
  ::fcntl(pty_master_.get(), F_SETFL, O_NONBLOCK);
  return OkStatus();
}

// A failed move leaves the monitor where it was: logged, not fatal.
void Monitor::WaitCgroupLeave() {
  if (!cgroup_leave_) return;
  if (const Status& s = cgroup_leave_->Wait(); !s.ok()) {
    VZ_LOG(kWarning) << "leave the caller's cgroup: " << s.message();
  }
  cgroup_leave_.reset();
}

Status Monitor::MountWithScripts() {
  VZ_RETURN_IF_ERROR(container::RunHostScripts(node_, *ve_, "premount"));
  VZ_RETURN_IF_ERROR(MountContainer(node_, *ve_).status());
  if (auto root = ve_->VeRoot(node_); root.has_value()) {
    (void)container::PrefetchInit(*root);
  }
  if (Status s = container::RunHostScripts(node_, *ve_, "mount"); !s.ok()) {
    (void)UmountContainer(node_, *ve_);
    return s;
  }
  return OkStatus();
}

// The device rules and limits of the container's cgroup (made already),
// the console, the device nodes and the lxcfs view, all in `spec`.
Status Monitor::PrepareInit(runtime::Spec& spec) {
  if (Status s = cg_->SetDevices(spec.devices); !s.ok()) {
    if (s.code() != Code::kUnimplemented) return s;
    // No device cgroup (v2 without a BPF program yet): without mknod the
    // container has only the nodes bound into its /dev.
    std::erase(spec.capabilities, CAP_MKNOD);
  }
  // The container's resource limits hold from its first process on.
  VZ_ASSIGN_OR_RETURN(Resources res, ReadResources(*ve_, HostCpus()));
  // Started at host boot: the default weight until it has booted, so a
  // storm of starts cannot starve the host (StartOnboot restores it).
  if (options_.boot_weight) res.cpuunits = kDefaultCpuUnits;
  VZ_RETURN_IF_ERROR(ApplyResources(*cg_, res, HostCpus()));
  if (spec.ids) VZ_RETURN_IF_ERROR(cg_->Delegate(spec.ids->uid, spec.ids->gid));
  oom_at_start_ = oom_seen_ = cg_->OomKills().value_or(0);
  VZ_RETURN_IF_ERROR(OpenConsole());
  if (spec.ids &&
      ::chown(pty_path_.c_str(), spec.ids->uid, spec.ids->gid + 5) != 0) {
    return ErrnoError(errno, "chown '" + pty_path_ + "'");
  }
  spec.console = pty_path_;
  VZ_ASSIGN_OR_RETURN(spec.devnode_dir, container::MakeDevNodes(node_, spec));
  // The container's own view of its resources; without lxcfs it starts
  // with the host's files and the log says why. A new lxcfs would inherit
  // the monitor's cgroups: they must be the node's by then.
  if (cgroup_leave_ && !LxcfsAlive(LxcfsDir(node_))) WaitCgroupLeave();
  if (auto lx = EnsureLxcfs(node_, !spec.privileged()); lx.has_value()) {
    spec.lxcfs = lxcfs_dir_ = *lx;
  } else {
    lxcfs_dir_.clear();  // a restart's view is not the last start's
    VZ_LOG(kWarning) << "container '" << ve_->ctid()
                     << "': no lxcfs view: " << lx.error().message();
  }
  return OkStatus();
}

// The slow steps overlap: the storage mount (about 13 ms, most of it the
// device server starting) runs in a forked child while the limits are set
// and the init is cloned. On cgroup v1 the monitor moves only itself (out
// of its caller's cgroups, into the container's for the init's clone and
// back), which waits for no RCU grace period (Cgroup::AttachSelf). Where
// that cannot be done (v2), its move out runs in another child and the
// init is moved into the cgroup: the two moves share one grace period.
Status Monitor::Boot() {
  // Declared before `revert`, whose undo step waits on it.
  std::optional<ForkedCall> mount;
  bool mount_first = false;
  Reverter revert;
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(node_, options_.ctid));
  ve_ = std::move(ve);
  // Out of the caller's cgroups before anything is forked, so the mount
  // helper and the device server start at the root too, where that costs
  // nothing (v1); else in a child after the mkdirs below.
  const bool left = LeaveCallersCgroupsNow();
  if (!options_.premounted) {
    VZ_ASSIGN_OR_RETURN(StorageState st, GetStorageState(node_, ve_->ctid()));
    if (DiskStranded(st)) {
      return FailedPreconditionError(
                 "container '" + ve_->ctid() + "': its disk (" + st.device +
                 ") is still attached but not mounted at '" + st.ve_root +
                 "': its filesystem is held elsewhere (a mount namespace "
                 "made while it ran); end that holder, then run 'vzctl "
                 "umount " +
                 ve_->ctid() + "'")
          .WithExitCode(kVzFsCantMount);
    }
    if (!st.mounted) {
      // Host scripts around the mount take as long as they take: the init
      // waits for the mount then too (see below).
      mount_first =
          MountWillResize(node_, *ve_).value_or(true) ||
          !container::ActionScripts(node_.conf_dir(), ve_->ctid(), "premount")
               .empty() ||
          !container::ActionScripts(node_.conf_dir(), ve_->ctid(), "mount")
               .empty();
      VZ_ASSIGN_OR_RETURN(
          mount, ForkedCall::Start([this] { return MountWithScripts(); }));
      revert.Add([this, &mount] {
        if (mount->Wait().ok()) (void)UmountContainer(node_, *ve_);
      });
    }
  }
  VZ_ASSIGN_OR_RETURN(cg_, container::OpenCgroup(node_, *ve_));
  VZ_RETURN_IF_ERROR(cg_->Create());
  revert.Add([this] {
    // A monitor that could not step out again after cloning the init
    // (runtime::CloneInit) must not freeze or kill itself: the cgroup is
    // left for the next start's cleanup then, and the log says why.
    if (auto pids = cg_->Pids();
        pids.has_value() && std::ranges::count(*pids, ::getpid()) > 0) {
      VZ_LOG(kError) << "container '" << ve_->ctid()
                     << "': the monitor is still in its cgroup; left as is";
      return;
    }
    (void)cg_->KillAll(SIGKILL);
    (void)cg_->Remove(std::chrono::seconds(5));
  });
  // Where the move could not be made at once: right after the mkdirs,
  // which the move's cgroup lock would hold up; the limits below are
  // written during its grace period, and the init's move into the cgroup
  // right after it shares it. (Nothing to do at a restart: the monitor is
  // at the root by then.)
  if (!left) cgroup_leave_ = LeaveCallersCgroups();
  VZ_ASSIGN_OR_RETURN(runtime::Spec spec,
                      container::SpecFor(node_, *ve_, /*allocate=*/true));
  VZ_RETURN_IF_ERROR(PrepareInit(spec));
  // The init's clone copies the host's mounts and holds them until it has
  // its root: not while a resize has the disk mounted for a moment (its
  // device server would wait for the copy to go, and the copy for the
  // mount), nor for as long as host scripts run.
  if (mount && mount_first) VZ_RETURN_IF_ERROR(mount->Wait());
  VZ_ASSIGN_OR_RETURN(runtime::PendingInit init,
                      runtime::CloneInit(spec, *cg_, home_cg_.get()));
  WaitCgroupLeave();
  // While the disk mounts: the init binds the lxcfs files right after.
  // (A disk mounted first has nothing left to overlap with.)
  if (mount && !mount_first && !spec.lxcfs.empty()) {
    RefreshLxcfsNames(spec.lxcfs);
  }
  if (mount) VZ_RETURN_IF_ERROR(mount->Wait());
  if (!container::HasInit(spec.rootfs)) {
    return FailedPreconditionError("container '" + ve_->ctid() +
                                   "' is broken: no /sbin/init in '" +
                                   spec.rootfs + "'")
        .WithExitCode(kVzFsBadTmpl);
  }
  if (mount) {
    // Before the init runs: a recording sees its first open.
    StartBootSet(spec.rootfs);
    revert.Add([this] {
      recorder_.reset();
      read_ahead_.clear();
      ReapPrefetch(/*stop=*/true);  // before the unmount its files hold up
      DropReadAheadReport();
    });
  }
  VZ_RETURN_IF_ERROR(init.GiveRoot(spec));
  VZ_ASSIGN_OR_RETURN(UniqueFd netns, init.OpenNamespace("net"));
  VZ_RETURN_IF_ERROR(container::StartNetwork(node_, *ve_, netns.get()));
  revert.Add([this] { (void)container::StopNetwork(node_, *ve_); });
  VZ_RETURN_IF_ERROR(OpenNotify(netns.get()));
  revert.Add([this] { CloseNotify(); });
  VZ_RETURN_IF_ERROR(init.Start());
  init_pid_ = init.pid();
  init_pidfd_ = init.TakePidfd();
  revert.Add([this] {
    ::kill(init_pid_, SIGKILL);
    ::waitpid(init_pid_, nullptr, 0);
    init_pidfd_.reset();
  });
  WritePidFile();
  // The host name, network and DNS the config asks for; the init may have
  // set its own from the template's files a moment ago.
  if (Status d = container::ApplyDistSettings(node_, *ve_, init_pid_);
      !d.ok()) {
    VZ_LOG(kWarning) << "container '" << ve_->ctid() << "': " << d.message();
  }
  VZ_RETURN_IF_ERROR(
      container::RunInsideScript(node_, *ve_, "start", init_pid_));
  revert.Commit();
  Journal("start", "");
  return OkStatus();
}

}  // namespace vz::monitor
