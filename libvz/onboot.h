// Starting the node's containers at host boot (`vzctl start --onboot`,
// what vz.service, from scripts/vz.service.in, runs): every container with
// ONBOOT="yes" that is not running, highest BOOTORDER first (then by CTID), at
// most `parallel` at a time. Each boots with the default CPU weight and gets
// its CPUUNITS once it has booted, so a boot storm cannot starve the host.
//
// Each start runs in a child process of its own (the runtime forks, so
// starts cannot share one process). Call from a single-threaded process.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/node_config.h"

namespace vz {

struct OnbootOptions {
  unsigned parallel = 0;  // 0: the number of online CPUs
  std::chrono::seconds boot_timeout{300};
};

struct OnbootReport {
  std::vector<std::string> order;    // the CTIDs it meant to start, in order
  std::vector<std::string> started;  // in the order they finished booting
  // "CTID: exit N"; "CTID: its config cannot be read (...)" for a config
  // that does not parse (its ONBOOT unknown, it is not started).
  std::vector<std::string> failed;
};

// The ONBOOT containers in start order (the running ones too).
Result<std::vector<std::string>> OnbootOrder(const NodeConfig& node);

// Errors: only when the node's containers cannot be listed; a container
// that fails to start is reported in `failed` and the others go on.
Result<OnbootReport> StartOnboot(const NodeConfig& node,
                                 const OnbootOptions& options);

}  // namespace vz
