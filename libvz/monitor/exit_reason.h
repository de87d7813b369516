// How a container's run ended, from the init's wait status and what the
// monitor saw: the event the journal records and what AUTORESTART does.
#pragma once

#include <cstdint>
#include <string>

namespace vz::monitor {

enum class Restart { kNever, kOnFailure, kAlways };

struct ExitInfo {
  std::string event;   // stop, crash, signal, oom-kill, reboot
  std::string reason;  // requested, shutdown, storage-lost, stop-timeout,
                       // "exit code 3", "SIGSEGV", ...
  Restart restart = Restart::kNever;
  friend bool operator==(const ExitInfo&, const ExitInfo&) = default;
};

struct ExitFacts {
  int wait_status = 0;          // from waitpid
  bool stop_requested = false;  // vzctl stop (or the monitor was told to)
  bool killed_after_timeout = false;
  uint64_t oom_kills = 0;  // OOM kills in the container during this run
  bool storage_lost = false;
};

// Inside a PID namespace, reboot(2) kills the init with SIGHUP (restart)
// or SIGINT (halt, power off): a reboot restarts, a halt is a clean stop.
ExitInfo Classify(const ExitFacts& facts);

// AUTORESTART policy ("no", "on-failure"; absent is "no") applied to
// `info`: whether to start again.
bool ShouldRestart(const ExitInfo& info, bool on_failure);

// The wait before restart attempt `n` (0-based): 1, 2, 4, ... 60 seconds.
int BackoffSeconds(int n);

}  // namespace vz::monitor
