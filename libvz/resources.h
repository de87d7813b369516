// OpenVZ resource parameters (doc/resources.md): their config keys and
// units, and the cgroup values that make the kernel enforce them.
//
//   key        vzctl set    unit (config)                 cgroup v1 / v2
//   PHYSPAGES  --ram        barrier:limit, pages or K/M/G memory.limit_in_bytes
//   / memory.max SWAPPAGES  --swap       barrier:limit, as PHYSPAGES
//   memory.memsw.limit_in_bytes (ram+swap) / memory.swap.max CPUS       --cpus
//   whole CPUs                    cpu.cfs_quota_us / cpu.max CPULIMIT
//   --cpulimit   % of one CPU (0: none)        cpu.cfs_quota_us / cpu.max (the
//   lower of the two) CPUUNITS   --cpuunits   weight 8..500000 cpu.shares /
//   cpu.weight CPUMASK    --cpumask    "0-3,6" or "all" cpuset.cpus NUMPROC
//   --numproc    barrier:limit processes       pids.max
//
// Pure parsing and mapping here (unit-tested); ApplyResources writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "libvz/cgroup.h"
#include "libvz/ve_config.h"

namespace vz {

struct Resources {
  std::optional<uint64_t> ram;   // bytes
  std::optional<uint64_t> swap;  // bytes
  std::optional<uint32_t> cpus;
  std::optional<uint32_t> cpulimit;  // percent of one CPU; 0 = unlimited
  std::optional<uint32_t> cpuunits;
  std::optional<std::string> cpumask;  // canonical list, or "all"
  std::optional<uint64_t> numproc;     // 0 = unlimited
  friend bool operator==(const Resources&, const Resources&) = default;
};

inline constexpr uint32_t kDefaultCpuUnits = 1000;

// Values as `vzctl set` takes them. Errors: kInvalidArgument, exit 21,
// naming the option and the value.
Result<uint64_t> ParseRamOption(std::string_view option, std::string_view v);
Result<uint32_t> ParseCpusOption(std::string_view v);
Result<uint32_t> ParseCpuLimitOption(std::string_view v);  // "50", "50%"
Result<uint32_t> ParseCpuUnitsOption(std::string_view v);
// "all" or a list of CPUs and ranges, each below `host_cpus`; returned in
// canonical form ("0-2,5"). Errors name the CPU outside the host.
Result<std::string> ParseCpuMaskOption(std::string_view v, unsigned host_cpus);
Result<uint64_t> ParseNumProcOption(std::string_view v);  // "N" or "N:N"

// The config values (as written back): "0:<limit>" for PHYSPAGES/SWAPPAGES.
std::string FormatPagesPair(uint64_t bytes);

// From the config. Errors: a key present but invalid, naming it (exit 21).
Result<Resources> ReadResources(const VeConfig& ve, unsigned host_cpus);
// Writes `r`'s set fields into the config.
Status WriteResources(const Resources& r, VeConfig& ve);

struct CgroupWrite {
  std::string controller;
  std::string file;
  std::string value;
  friend bool operator==(const CgroupWrite&, const CgroupWrite&) = default;
};

// The writes that enforce `r` (fields not set get the defaults: no memory
// limit, weight 1000, no quota, all CPUs, no process limit), in an order
// the kernel accepts. `memsw` says whether v1 swap accounting exists.
std::vector<CgroupWrite> CgroupWrites(const Resources& r, cgroup::Layout l,
                                      unsigned host_cpus, bool memsw);

// Applies `r` to `cg`. Errors: the kernel refusing a value (a limit below
// current use: EBUSY) as kFailedPrecondition, exit 1 (VZ_SETUBC_ERROR),
// naming the parameter; what was written before stays (the caller writes
// the old values back).
Status ApplyResources(cgroup::Cgroup& cg, const Resources& r,
                      unsigned host_cpus);

// Online CPUs of the host (sysconf).
unsigned HostCpus();

}  // namespace vz
