// Stop, exec, suspend and resume of a running container.
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "base/file_util.h"
#include "base/log.h"
#include "base/poll_for.h"
#include "libvz/container.h"
#include "libvz/container/internal.h"
#include "libvz/exit_codes.h"
#include "libvz/journal.h"
#include "libvz/lock.h"
#include "libvz/storage.h"

namespace vz {
namespace container {

Status NotRunning(std::string_view ctid) {
  return FailedPreconditionError("container '" + std::string(ctid) +
                                 "' is not running")
      .WithExitCode(kVzVeNotRunning);
}

Status NotRunning(std::string_view ctid, const RunState& st) {
  if (st.status != RunStatus::kStale || st.orphans == 0) {
    return NotRunning(ctid);
  }
  const std::string id(ctid);
  return FailedPreconditionError(
             "container '" + id + "' is not running under vz: its monitor " +
             "is gone (killed?), but " + std::to_string(st.orphans) +
             " of its processes still run, unmanaged; 'vzctl stop " + id +
             "' or 'vzctl recover " + id + "' ends them")
      .WithExitCode(kVzVeNotRunning);
}

Status CheckNotFrozen(const RunState& st, std::string_view ctid) {
  if (!st.frozen) return OkStatus();
  return FailedPreconditionError("container '" + std::string(ctid) +
                                 "' is suspended: resume it first")
      .WithExitCode(kVzVeNotRunning);
}

Result<UniqueFd> ConnectMonitor(const NodeConfig& node, std::string_view ctid,
                                const std::string& request) {
  const std::string path = MonitorSocketPath(node, ctid);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return InvalidArgumentError("socket path '" + path + "' is too long");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr)) {
    return ErrnoError(errno,
                      "connect to the monitor of '" + std::string(ctid) + "'");
  }
  if (::write(fd.get(), request.data(), request.size()) < 0) {
    return ErrnoError(errno, "talk to the monitor");
  }
  // The answer line, read byte by byte so nothing after it is consumed.
  std::string line;
  char c;
  while (::read(fd.get(), &c, 1) == 1 && c != '\n') line += c;
  if (line != "ok") {
    return InternalError("monitor of '" + std::string(ctid) + "' said '" +
                         line + "'");
  }
  return fd;
}

}  // namespace container

namespace {

// After a stop: a disk the monitor's teardown could not release (logged
// there) is an error naming what holds it, with OpenVZ's 51, instead of
// something the next start finds. Not for a run that began premounted.
Status CheckDiskReleased(const NodeConfig& node, std::string_view ctid) {
  // A container without a disk of its own (VE_ROOT a directory) has
  // nothing to release; its state unreadable, the stop stands.
  auto st = GetStorageState(node, ctid);
  if (!st.has_value() || !st->mounted) return OkStatus();
  const std::string id(ctid);
  const std::string& at = st->mount_point;
  const std::string why =
      DiskStranded(*st)
          ? "its disk (" + st->device +
                ") was not released though it is no longer mounted at '" + at +
                "': most likely a mount namespace made while it ran holds "
                "its filesystem ('grep -l " +
                st->device.substr(st->device.rfind('/') + 1) +
                " /proc/*/mountinfo'; the monitor's log says more)"
          : "its disk stays mounted at '" + at +
                "', which is busy: a process working there or a mount "
                "below it ('fuser -vm " +
                at + "', 'findmnt -R " + at + "')";
  return UnavailableError("container '" + id + "' is stopped, but " + why +
                          "; end that, then run 'vzctl umount " + id + "'")
      .WithExitCode(kVzFsCantUmount);
}

// Waits for process `pid` (not our child) to end.
bool WaitGone(pid_t pid, std::chrono::seconds timeout) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    if (errno == ESRCH) return true;
    // No pidfd (out of descriptors): polled, never taken for gone.
    auto gone = PollFor(timeout, [pid]() -> Result<bool> {
      return !container::ProcStartTime(pid).has_value();
    });
    return gone.value_or(false);
  }
  pollfd p{pidfd.get(), POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count() * 1000)) == 1 ||
         !container::ProcStartTime(pid);
}

Result<std::chrono::seconds> TimeoutOf(const NodeConfig& node,
                                       std::string_view ctid,
                                       const StopOptions& options) {
  if (options.timeout.count() > 0) return options.timeout;
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(node, ctid));
  int secs = 120;
  if (auto v = ve.Get("STOP_TIMEOUT")) {
    std::from_chars(v->data(), v->data() + v->size(), secs);
  }
  return std::chrono::seconds(secs > 0 ? secs : 120);
}

}  // namespace

Status StopContainer(const NodeConfig& node, std::string_view ctid,
                     const StopOptions& options) {
  VZ_ASSIGN_OR_RETURN(std::chrono::seconds timeout,
                      TimeoutOf(node, ctid, options));
  VZ_ASSIGN_OR_RETURN(
      ContainerLock lock,
      ContainerLock::Acquire(node.lock_dir(), ctid,
                             {.wait = std::chrono::seconds(10)}));
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(node, ctid));
  if (st.status == RunStatus::kStale) {
    // What a killed monitor left: cleaned as recover does. Processes of it
    // that still ran make this a stop that stopped something.
    VZ_RETURN_IF_ERROR(
        container::RecoverLocked(node, ctid, options.skip_umount).status());
    if (st.orphans == 0) return container::NotRunning(ctid);
    VZ_LOG(kWarning) << "container '" << ctid << "' had lost its monitor, and "
                     << st.orphans
                     << " of its processes still ran: it is stopped now";
    return OkStatus();
  }
  if (!st.running()) return container::NotRunning(ctid);
  if (st.frozen) {
    // A frozen init cannot shut down: thaw it first, as OpenVZ does.
    VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(node, ctid));
    VZ_ASSIGN_OR_RETURN(auto cg, container::OpenCgroup(node, ve));
    VZ_RETURN_IF_ERROR(cg->Thaw());
  }
  const std::string request = "stop " + std::to_string(timeout.count()) +
                              (options.fast ? " 1" : " 0") +
                              (options.skip_umount ? " 1\n" : " 0\n");
  VZ_ASSIGN_OR_RETURN(UniqueFd conn,
                      container::ConnectMonitor(node, ctid, request));
  if (!WaitGone(st.monitor_pid, timeout + std::chrono::seconds(60))) {
    return DeadlineExceededError("stop container '" + std::string(ctid) +
                                 "': the monitor did not finish")
        .WithExitCode(kVzStopError);
  }
  // A monitor killed while it stopped the container left its pid file
  // (which it removes last) and maybe processes and the disk.
  if (PathExists(MonitorPidPath(node, ctid))) {
    return container::RecoverLocked(node, ctid, options.skip_umount).status();
  }
  if (st.premounted) return OkStatus();
  if (options.skip_umount) {
    // A monitor started before an upgrade ignores the request's flag.
    auto disk = GetStorageState(node, ctid);
    if (disk.has_value() && !disk->mounted && disk->exists) {
      VZ_LOG(kWarning) << "container '" << ctid
                       << "': its disk was unmounted all the same (its "
                          "monitor predates --skip-umount)";
    }
    return OkStatus();
  }
  return CheckDiskReleased(node, ctid);
}

Result<int> ExecInContainer(const NodeConfig& node, std::string_view ctid,
                            const std::vector<std::string>& argv) {
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(node, ctid));
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(node, ctid));
  if (!st.running() || st.init_pid <= 0) {
    return container::NotRunning(ctid, st);
  }
  VZ_RETURN_IF_ERROR(container::CheckNotFrozen(st, ctid));
  VZ_ASSIGN_OR_RETURN(runtime::Spec spec, container::SpecFor(node, ve, false));
  VZ_ASSIGN_OR_RETURN(auto cg, container::OpenCgroup(node, ve));
  auto rc = runtime::Exec(spec, st.init_pid, *cg, {.argv = argv});
  if (!rc.has_value() && rc.error().code() == Code::kNotFound) {
    return container::NotRunning(ctid);
  }
  return rc;
}

namespace {

Status Freezer(const NodeConfig& node, std::string_view ctid, bool freeze) {
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(node, ctid));
  VZ_ASSIGN_OR_RETURN(
      ContainerLock lock,
      ContainerLock::Acquire(node.lock_dir(), ctid,
                             {.wait = std::chrono::seconds(10)}));
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(node, ctid));
  if (!st.running()) return container::NotRunning(ctid, st);
  VZ_ASSIGN_OR_RETURN(auto cg, container::OpenCgroup(node, ve));
  Status s = freeze ? cg->Freeze(std::chrono::seconds(10)) : cg->Thaw();
  if (!s.ok()) {
    return std::move(
        s.WithExitCode(freeze ? kVzChkpntError : kVzRestoreError)
            .WithContext(std::string(freeze ? "suspend" : "resume") +
                         " container '" + std::string(ctid) + "'"));
  }
  (void)AppendEvent(node.events_log(),
                    MakeEvent(ctid, freeze ? "suspend" : "resume", ""));
  return OkStatus();
}

}  // namespace

Status SuspendContainer(const NodeConfig& node, std::string_view ctid) {
  return Freezer(node, ctid, true);
}

Status ResumeContainer(const NodeConfig& node, std::string_view ctid) {
  return Freezer(node, ctid, false);
}

}  // namespace vz
