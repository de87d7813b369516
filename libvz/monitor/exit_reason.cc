#include "libvz/monitor/exit_reason.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <algorithm>

namespace vz::monitor {

ExitInfo Classify(const ExitFacts& f) {
  const int st = f.wait_status;
  if (f.storage_lost) return {"stop", "storage-lost", Restart::kOnFailure};
  if (f.stop_requested) {
    return {"stop", f.killed_after_timeout ? "stop-timeout" : "requested",
            Restart::kNever};
  }
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP) {
    return {"reboot", "reboot inside the container", Restart::kAlways};
  }
  if ((WIFSIGNALED(st) && WTERMSIG(st) == SIGINT) ||
      (WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
    return {"stop", "shutdown", Restart::kNever};
  }
  if (f.oom_kills > 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
    return {"oom-kill", "init killed by the OOM killer", Restart::kOnFailure};
  }
  if (WIFSIGNALED(st)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(st));
    return {"signal",
            abbrev ? std::string("SIG") + abbrev
                   : "signal " + std::to_string(WTERMSIG(st)),
            Restart::kOnFailure};
  }
  return {"crash", "exit code " + std::to_string(WEXITSTATUS(st)),
          Restart::kOnFailure};
}

bool ShouldRestart(const ExitInfo& info, bool on_failure) {
  return info.restart == Restart::kAlways ||
         (on_failure && info.restart == Restart::kOnFailure);
}

int BackoffSeconds(int n) { return n >= 6 ? 60 : std::min(60, 1 << n); }

}  // namespace vz::monitor
