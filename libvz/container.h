// Running containers: start, stop, exec, console, freeze, recovery
// (doc/runtime.md). The CLI (vzctl) and vzd call these; the per-container
// monitor (libvz/monitor.h) does the supervising.
//
// State on disk, all under the node root:
//  - <root>/run/vz/<CTID>.pid: "<monitor pid> <its start time>\n<init
//    pid>\n", written by the monitor, removed when it exits;
//  - <root>/run/vz/<CTID>.sock: the monitor's control socket (stop,
//    console).
// A pid file whose monitor is dead, a zombie or another program (a host
// crash, a kill -9) is stale: GetRunState says so and Recover cleans up.
//
// Locking: Start, Stop, Suspend, Resume and Recover take the container
// lock themselves (wait up to 10 s); Exec and the console need none.
// Not thread-safe (they fork); call from a single-threaded process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "libvz/node_config.h"
#include "libvz/ve_config.h"

namespace vz {

enum class RunStatus { kStopped, kRunning, kStale };

struct RunState {
  RunStatus status = RunStatus::kStopped;
  pid_t monitor_pid = 0;
  pid_t init_pid = 0;  // 0 while the monitor is still starting it
  bool frozen = false;
  // The run began on a disk mounted before it (vzctl mount; start
  // --premounted), which its stop leaves mounted.
  bool premounted = false;
  // kStale: how many processes its cgroup still holds (a monitor killed
  // while its container ran leaves them running, unmanaged).
  size_t orphans = 0;
  bool running() const { return status == RunStatus::kRunning; }
};

std::string MonitorPidPath(const NodeConfig& node, std::string_view ctid);
std::string MonitorSocketPath(const NodeConfig& node, std::string_view ctid);

// From the pid file and /proc. A container whose pid file is absent but
// whose cgroup still holds processes is kStale too. Errors: I/O errors.
Result<RunState> GetRunState(const NodeConfig& node, std::string_view ctid);

struct StartOptions {
  // Wait until the init says it booted: `systemctl is-system-running` is
  // running or degraded for systemd, the init running otherwise.
  bool wait = false;
  std::chrono::seconds wait_timeout{120};
  // VE_ROOT already holds the root filesystem (a directory prepared by a
  // test or by hand): storage is neither mounted nor unmounted. Explicit,
  // never guessed.
  bool premounted = false;
  // Start even with DISABLED="yes" (OpenVZ's --force).
  bool force = false;
  // Boot with the default CPU weight whatever CPUUNITS says (a start at
  // host boot: StartOnboot sets CPUUNITS once the container has booted).
  bool boot_weight = false;
  // The vz-monitor binary; empty: next to the running program, then PATH.
  std::string monitor_binary;
};

// Starts the container under its monitor and returns once the init runs
// (or booted, with `wait`). Errors: unknown CTID (14); running (32);
// DISABLED="yes" without `force` (105);
// locked (9); no /sbin/init (47); no free ID range (6); storage (41, 50,
// ...); action script failure (79); anything else while starting (7).
// A failed start leaves nothing behind.
Status StartContainer(const NodeConfig& node, std::string_view ctid,
                      const StartOptions& options);

struct StopOptions {
  bool fast = false;  // kill at once, no clean shutdown
  // How long the init may take to shut down; 0: STOP_TIMEOUT, else 120 s.
  std::chrono::seconds timeout{0};
  // Leave the disk mounted at VE_ROOT (OpenVZ's --skip-umount), as a run
  // that began premounted does.
  bool skip_umount = false;
};

// Asks the init to shut down the way it expects (busybox SIGUSR2, systemd
// SIGRTMIN+4, others SIGTERM), kills what is left through the cgroup after
// the timeout, and waits for the monitor to clean up. Errors: not running
// (31); the monitor did not finish in time (33).
Status StopContainer(const NodeConfig& node, std::string_view ctid,
                     const StopOptions& options);

// Runs argv inside the running container with this process's stdio;
// returns the command's exit code. Errors: unknown (14); not running (31).
Result<int> ExecInContainer(const NodeConfig& node, std::string_view ctid,
                            const std::vector<std::string>& argv);

// An interactive root shell inside the running container on a new pty,
// relayed to `in`/`out` (put in raw mode when a terminal) until the shell
// exits; its exit code. The shell never sees the caller's terminal.
// Errors: as ExecInContainer.
Result<int> EnterContainer(const NodeConfig& node, std::string_view ctid,
                           int in, int out);

// Freezes / thaws every process of the container through the freezer
// cgroup (suspend is freeze only: CRIU fails on this kernel). Errors: not
// running (31); freeze timeout (16), thaw failure (17).
Status SuspendContainer(const NodeConfig& node, std::string_view ctid);
Status ResumeContainer(const NodeConfig& node, std::string_view ctid);

// Attaches `in`/`out` (a terminal) to the container's console until the
// user types Esc then '.' or the container stops. Errors: not running (31).
Status AttachConsole(const NodeConfig& node, std::string_view ctid, int in,
                     int out);

// Cleans what a dead monitor left (host crash, kill -9): processes and
// cgroups, network, mount, pid file and socket; never touches a container
// whose monitor lives. Returns whether there was anything to clean.
Result<bool> RecoverContainer(const NodeConfig& node, std::string_view ctid);
// RecoverContainer for every container config on the node; the CTIDs that
// were cleaned.
Result<std::vector<std::string>> RecoverAll(const NodeConfig& node);

}  // namespace vz
