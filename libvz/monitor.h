// The per-container monitor (DESIGN §5, doc/runtime.md §4): the body of the
// vz-monitor program that StartContainer launches, one per running
// container, in the node's cgroup, outliving vzctl.
//
// It starts the container (storage, cgroup, console, init, network, action
// scripts), writes the pid file and serves the control socket
// (libvz/container.h), reaps the init, records how the run ended in the
// event journal (stop, crash, signal, oom-kill, reboot; storage-lost when
// the disk's device server dies), tears everything down, and starts again
// after a reboot inside, or after a failure with AUTORESTART="on-failure"
// (backoff 1, 2, 4 ... 60 s).
#pragma once

#include <string>

#include "libvz/node_config.h"

namespace vz {

struct MonitorOptions {
  std::string ctid;
  // Where to report the first start: "ok\n" or "error <exit code>
  // <message>\n", then closed. -1: nowhere.
  int ready_fd = -1;
  bool premounted = false;   // StartOptions::premounted
  bool boot_weight = false;  // StartOptions::boot_weight
};

// Runs until the container stopped for good; the process exit code (0, or
// the start's exit code when the first start failed).
int RunMonitor(const NodeConfig& node, const MonitorOptions& options);

}  // namespace vz
