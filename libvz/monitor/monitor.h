// The monitor's state and steps (libvz/monitor.h).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "base/forked_call.h"
#include "base/reverter.h"
#include "base/status.h"
#include "base/unique_fd.h"
#include "libvz/cgroup.h"
#include "libvz/lock.h"
#include "libvz/monitor.h"
#include "libvz/monitor/exit_reason.h"
#include "libvz/runtime.h"
#include "libvz/storage/boot_set.h"
#include "libvz/ve_config.h"

namespace vz::monitor {

class Monitor {
 public:
  Monitor(NodeConfig node, MonitorOptions options)
      : node_(std::move(node)), options_(std::move(options)) {}
  int Run();

 private:
  // One start; on failure nothing is left behind (boot.cc).
  Status Boot();
  Status PrepareInit(runtime::Spec& spec);
  // Serves the socket and console until the init exits (loop.cc).
  ExitInfo Supervise();
  // After the init exited: tears down and journals.
  void Finish(const ExitInfo& info);

  Status OpenConsole();
  Status Listen();
  void Accept();
  void OnClient();
  void OnConsoleOutput();
  void RequestStop(bool fast, std::chrono::seconds timeout);
  bool WaitBackoff(std::chrono::seconds wait, int sigfd);
  // The container lock for a teardown or a restart, waiting up to `wait`
  // while it serves the socket: a vzctl stop that holds the lock and asks
  // meanwhile is answered (and then holds it for us: nullopt, with
  // stop_by_client_ set) instead of waiting for us until we give up.
  std::optional<ContainerLock> LockUnlessStopRequested(
      std::chrono::seconds wait);
  bool StorageLost();
  void Report(const Status& s);
  void WritePidFile();
  // lxcfs died (its files would fail with ENOTCONN inside): start it again
  // and bind the container's files to the new mount.
  void CheckLxcfs();
  void Journal(const std::string& event, const std::string& reason);
  // Moves the monitor into the root of every hierarchy (nothing to do when
  // it is there already), from a forked child: a move waits for an RCU
  // grace period (10-15 ms here) with the cgroup lock held, which overlaps
  // the rest of Boot. WaitCgroupLeave before starting anything that must
  // not inherit the caller's cgroups.
  static std::optional<ForkedCall> LeaveCallersCgroups();
  // The same at once where a move of oneself is cheap (cgroup v1 and one
  // thread: Cgroup::AttachSelf), keeping the root as home_cg_ for the
  // init's clone (runtime::CloneInit); also asks the OOM killer to pass the
  // monitor by. False when the move is left to LeaveCallersCgroups.
  bool LeaveCallersCgroupsNow();
  void WaitCgroupLeave();
  // The storage mount with its host scripts, in a forked child so that it
  // overlaps the rest of Boot (base/forked_call.h).
  Status MountWithScripts();
  // The boot set (doc/storage.md §8; boot_set.cc), for a start that mounted
  // the disk, before the init runs (not on cgroup v2): a usable one is read
  // ahead (StartPrefetch); none, or a partial one, is recorded from here
  // until EndRecording.
  void StartBootSet(const std::string& rootfs);
  // Reads `set` below `rootfs` in a child in the container's cgroup, one
  // request at a time, so that the start's and the init's own reads never
  // wait behind more than one of its requests. (Asked for all at once, 4
  // readers deep, it made a Debian start 30-40 ms longer begun here, and had to
  // wait until the start was reported.) While a recording runs (call
  // after it began), the child reports what it reads for it; otherwise a
  // stale set is removed.
  void StartPrefetch(const std::string& rootfs, storage::BootSet set);
  // Ends a recording and saves the set: when the window ran out
  // (`window_done`), or, marked partial, at a stop request or when the
  // init ended (the disk is still mounted). Then the recorder is kept in
  // ended_recorder_ until Finish has unmounted the disk (its fanotify
  // group's close, BootSetRecorder::Finish); at the window's end it is
  // closed at once.
  void EndRecording(bool window_done);
  // A fast stop's: starts writing the container's dirty pages out while
  // its processes die (a syncfs in a child, flush_), so that the unmount
  // after has less to write. A hint: a failure only leaves it to the
  // unmount.
  void FlushWhileDying();
  // Reaps the read-ahead child once it is done; with `stop`, kills it
  // first (before an unmount, which its open files would hold up).
  void ReapPrefetch(bool stop);
  // mlockall, after a start is reported (loop.cc).
  void LockMemory();
  // A set too small to read ahead (storage::WorthReadingAhead), checked
  // once the start is done: removed when stale, so the next start records
  // the container's boot again (it may have grown).
  void CheckUnreadBootSet();

  // The init's readiness (notify.cc): a socket in the container's network
  // namespace, bound before the init runs, where its systemd sends
  // READY=1 at the end of its startup ($NOTIFY_SOCKET). Errors: the
  // kernel's (the start fails: its init would find no socket, or one a
  // process inside bound).
  Status OpenNotify(int netns_fd);
  // After the init's end: a dead init is not booted.
  void CloseNotify();
  // Reads what is queued, a bounded number of messages: booted_ once the
  // init said READY=1.
  void OnNotify();

  NodeConfig node_;
  MonitorOptions options_;
  std::optional<VeConfig> ve_;
  std::unique_ptr<cgroup::Cgroup> cg_;
  pid_t init_pid_ = -1;
  UniqueFd init_pidfd_;
  UniqueFd pty_master_, pty_slave_;
  std::string pty_path_;
  std::string lxcfs_dir_;  // "" when the container has no lxcfs view
  std::chrono::steady_clock::time_point next_lxcfs_check_;
  UniqueFd listen_, console_client_;
  std::string console_log_;  // the last output, replayed to a new client
  uint64_t oom_at_start_ = 0;
  uint64_t oom_seen_ = 0;  // the count already journaled
  bool stop_requested_ = false;
  bool stop_for_good_ = false;   // SIGTERM to the monitor: no restart
  bool stop_by_client_ = false;  // vzctl stop, which holds the lock
  bool skip_umount_ = false;     // vzctl stop --skip-umount: disk stays
  bool killed_after_timeout_ = false;
  bool storage_lost_ = false;
  std::optional<std::chrono::steady_clock::time_point> kill_at_;
  std::chrono::steady_clock::time_point next_storage_check_;
  std::optional<ForkedCall> cgroup_leave_;   // LeaveCallersCgroups, once
  std::unique_ptr<cgroup::Cgroup> home_cg_;  // the node's root cgroups
  std::string boot_set_path_;
  std::optional<storage::BootSetRecorder> recorder_;
  std::optional<storage::BootSetRecorder> ended_recorder_;  // see Finish
  // A fast stop's syncfs of the container's filesystem while its processes
  // die (loop.cc, FlushWhileDying), waited for before the unmount.
  std::optional<ForkedCall> flush_;
  // The set this start reads ahead while it records again (a partial
  // one), which the reader's report indexes (storage::Attribute).
  std::vector<storage::BootSetEntry> read_ahead_;
  // <private>/boot-set.ahead: the reader's report (storage::ParseReadAhead).
  std::string ReadAheadReportPath() const;
  void DropReadAheadReport();
  std::chrono::steady_clock::time_point record_until_;
  std::optional<ForkedCall> prefetch_;
  std::optional<storage::BootSet> unread_set_;  // CheckUnreadBootSet's
  std::string unread_root_;
  UniqueFd notify_;
  bool booted_ = false;  // the init said READY=1 since this Boot
};

}  // namespace vz::monitor
