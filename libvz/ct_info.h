// What `vzlist` shows about a container (doc/vzlist.md): its config, its
// storage, and, when it runs, what its cgroup and disk say now. Values the
// container does not have (a stopped container's usage) are nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/node_config.h"

namespace vz {

struct ContainerInfo {
  std::string ctid, uuid, name, hostname, ostemplate, tenant, description;
  std::string status;  // "running", "mounted", "stopped", "suspended"
  bool running = false;
  std::vector<std::string> ips;
  std::optional<uint64_t> numproc, numproc_limit;
  std::optional<uint64_t> ram_used, ram_limit;    // bytes
  std::optional<uint64_t> swap_used, swap_limit;  // bytes
  std::optional<uint32_t> cpus, cpulimit, cpuunits;
  std::optional<uint64_t> cpu_used_ns;
  std::optional<uint64_t> disk_used, disk_soft, disk_hard;  // bytes
  std::optional<uint64_t> inodes_used, inodes_total;
  std::optional<uint64_t> iolimit, iopslimit, ioprio;
  std::optional<uint64_t> uptime_s;
  std::optional<std::string> laverage;  // "0.12 0.05 0.01"
  bool onboot = false;
  std::optional<uint64_t> bootorder;
  uint64_t bytes_in = 0, bytes_out = 0, packets_in = 0, packets_out = 0;
};

// Errors: unknown container (14); a config that does not parse (85).
// A broken value in an otherwise readable config leaves that field empty.
Result<ContainerInfo> CollectContainerInfo(const NodeConfig& node,
                                           const std::string& ctid);

}  // namespace vz
