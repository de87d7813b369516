#include "libvz/resources.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "base/size.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

constexpr uint64_t kCfsPeriodUs = 100000;

Status Bad(std::string_view option, std::string_view value,
           std::string_view why) {
  return InvalidArgumentError("invalid " + std::string(option) + " '" +
                              std::string(value) + "': " + std::string(why))
      .WithExitCode(kVzInvalidParameterValue);
}

Result<uint32_t> Uint32In(std::string_view option, std::string_view v,
                          uint64_t lo, uint64_t hi) {
  auto n = ParseUint(v);
  if (!n.has_value()) return Bad(option, v, "not a whole number");
  if (*n < lo || *n > hi) {
    return Bad(option, v,
               "must be " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<uint32_t>(*n);
}

// "barrier:limit" (or one value) in pages or with a suffix; the limit.
// "unlimited" and LONG_MAX mean none.
Result<std::optional<uint64_t>> ParsePagesPair(std::string_view key,
                                               std::string_view text) {
  std::string_view limit = text;
  if (auto c = text.find(':'); c != std::string_view::npos) {
    limit = text.substr(c + 1);
  }
  if (limit == "unlimited" || limit == "9223372036854775807") {
    return std::optional<uint64_t>();
  }
  auto bytes =
      ParseSize(limit, {.default_unit = kPageSize, .allow_pages = true});
  if (!bytes.has_value()) return Bad(key, text, bytes.error().message());
  return std::optional<uint64_t>(*bytes);
}

uint32_t Shares(uint32_t cpuunits) {
  return std::max<uint32_t>(
      2, static_cast<uint32_t>(uint64_t{cpuunits} * 1024 / 1000));
}

// The CFS quota in µs per 100 ms period, or 0 for none: the lower of
// CPULIMIT and CPUS.
uint64_t QuotaUs(const Resources& r) {
  uint64_t pct = 0;
  if (r.cpulimit && *r.cpulimit > 0) pct = *r.cpulimit;
  if (r.cpus) {
    uint64_t c = uint64_t{*r.cpus} * 100;
    pct = pct ? std::min(pct, c) : c;
  }
  return pct * kCfsPeriodUs / 100;
}

std::string AllCpus(unsigned host_cpus) {
  return host_cpus <= 1 ? "0" : "0-" + std::to_string(host_cpus - 1);
}

// A config value's error names the key it came from.
template <typename T>
Result<T> InKey(std::string_view key, Result<T> r) {
  if (r.has_value()) return r;
  return std::move(r).error().WithContext("config key " + std::string(key));
}

}  // namespace

unsigned HostCpus() {
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

Result<uint64_t> ParseRamOption(std::string_view option, std::string_view v) {
  auto bytes = ParseSize(v, {.default_unit = 1, .allow_pages = true});
  if (!bytes.has_value()) return Bad(option, v, bytes.error().message());
  return *bytes;
}

Result<uint32_t> ParseCpusOption(std::string_view v) {
  return Uint32In("--cpus", v, 1, 4096);
}

Result<uint32_t> ParseCpuLimitOption(std::string_view v) {
  if (v.ends_with('%')) v.remove_suffix(1);
  return Uint32In("--cpulimit", v, 0, 409600);
}

Result<uint32_t> ParseCpuUnitsOption(std::string_view v) {
  return Uint32In("--cpuunits", v, 8, 500000);
}

Result<std::string> ParseCpuMaskOption(std::string_view v, unsigned host_cpus) {
  if (v == "all") return std::string("all");
  std::set<unsigned> cpus;
  for (const auto& part : Split(v, ',')) {
    auto dash = part.find('-');
    auto lo = ParseUint(part.substr(0, dash));
    auto hi = dash == std::string::npos ? lo : ParseUint(part.substr(dash + 1));
    if (!lo.has_value() || !hi.has_value() || *lo > *hi) {
      return Bad("--cpumask", v, "expected CPUs and ranges like 0-2,5");
    }
    if (*hi >= host_cpus) {
      return Bad("--cpumask", v,
                 "CPU " + std::to_string(*hi) + " is not on this host (CPUs " +
                     AllCpus(host_cpus) + ")");
    }
    for (uint64_t c = *lo; c <= *hi; ++c) cpus.insert(static_cast<unsigned>(c));
  }
  std::string out;
  for (auto it = cpus.begin(); it != cpus.end();) {
    unsigned first = *it, last = *it;
    while (++it != cpus.end() && *it == last + 1) last = *it;
    if (!out.empty()) out += ',';
    out += std::to_string(first);
    if (last != first) out += "-" + std::to_string(last);
  }
  return out;
}

Result<uint64_t> ParseNumProcOption(std::string_view v) {
  std::string_view limit = v;
  if (auto c = v.find(':'); c != std::string_view::npos) {
    limit = v.substr(c + 1);
  }
  if (limit == "unlimited") return uint64_t{0};
  auto n = ParseUint(limit);
  if (!n.has_value() || *n == 0) {
    return Bad("--numproc", v, "expected a positive number of processes");
  }
  return *n;
}

std::string FormatPagesPair(uint64_t bytes) {
  return "0:" + FormatSize(bytes, true);
}

Result<Resources> ReadResources(const VeConfig& ve, unsigned host_cpus) {
  Resources r;
  if (auto v = ve.Get("PHYSPAGES")) {
    VZ_ASSIGN_OR_RETURN(r.ram, ParsePagesPair("PHYSPAGES", *v));
  }
  if (auto v = ve.Get("SWAPPAGES")) {
    VZ_ASSIGN_OR_RETURN(r.swap, ParsePagesPair("SWAPPAGES", *v));
  }
  if (auto v = ve.Get("CPUS"); v && !v->empty()) {
    VZ_ASSIGN_OR_RETURN(r.cpus, InKey("CPUS", ParseCpusOption(*v)));
  }
  if (auto v = ve.Get("CPULIMIT"); v && !v->empty()) {
    VZ_ASSIGN_OR_RETURN(r.cpulimit, InKey("CPULIMIT", ParseCpuLimitOption(*v)));
  }
  if (auto v = ve.Get("CPUUNITS"); v && !v->empty()) {
    VZ_ASSIGN_OR_RETURN(r.cpuunits, InKey("CPUUNITS", ParseCpuUnitsOption(*v)));
  }
  if (auto v = ve.Get("CPUMASK"); v && !v->empty()) {
    VZ_ASSIGN_OR_RETURN(r.cpumask,
                        InKey("CPUMASK", ParseCpuMaskOption(*v, host_cpus)));
  }
  if (auto v = ve.Get("NUMPROC"); v && !v->empty()) {
    VZ_ASSIGN_OR_RETURN(r.numproc, InKey("NUMPROC", ParseNumProcOption(*v)));
  }
  return r;
}

Status WriteResources(const Resources& r, VeConfig& ve) {
  if (r.ram) VZ_RETURN_IF_ERROR(ve.Set("PHYSPAGES", FormatPagesPair(*r.ram)));
  if (r.swap) {
    VZ_RETURN_IF_ERROR(ve.Set("SWAPPAGES", FormatPagesPair(*r.swap)));
  }
  if (r.cpus) VZ_RETURN_IF_ERROR(ve.Set("CPUS", std::to_string(*r.cpus)));
  if (r.cpulimit) {
    VZ_RETURN_IF_ERROR(ve.Set("CPULIMIT", std::to_string(*r.cpulimit)));
  }
  if (r.cpuunits) {
    VZ_RETURN_IF_ERROR(ve.Set("CPUUNITS", std::to_string(*r.cpuunits)));
  }
  if (r.cpumask) VZ_RETURN_IF_ERROR(ve.Set("CPUMASK", *r.cpumask));
  if (r.numproc) {
    std::string n = *r.numproc ? std::to_string(*r.numproc) : "unlimited";
    VZ_RETURN_IF_ERROR(ve.Set("NUMPROC", n + ":" + n));
  }
  return OkStatus();
}

std::vector<CgroupWrite> CgroupWrites(const Resources& r, cgroup::Layout l,
                                      unsigned host_cpus, bool memsw) {
  std::vector<CgroupWrite> w;
  const std::string mask =
      r.cpumask && *r.cpumask != "all" ? *r.cpumask : AllCpus(host_cpus);
  const uint64_t quota = QuotaUs(r);
  const uint32_t shares = Shares(r.cpuunits.value_or(kDefaultCpuUnits));
  if (l == cgroup::Layout::kV1) {
    // memsw >= limit always: lift memsw, set the limit, then memsw.
    if (memsw) w.push_back({"memory", "memory.memsw.limit_in_bytes", "-1"});
    w.push_back({"memory", "memory.limit_in_bytes",
                 r.ram ? std::to_string(*r.ram) : "-1"});
    if (memsw && r.ram) {
      w.push_back({"memory", "memory.memsw.limit_in_bytes",
                   std::to_string(*r.ram + r.swap.value_or(0))});
    }
    w.push_back({"cpu", "cpu.shares", std::to_string(shares)});
    w.push_back({"cpu", "cpu.cfs_period_us", std::to_string(kCfsPeriodUs)});
    w.push_back(
        {"cpu", "cpu.cfs_quota_us", quota ? std::to_string(quota) : "-1"});
    w.push_back({"cpuset", "cpuset.cpus", mask});
    w.push_back({"pids", "pids.max",
                 r.numproc && *r.numproc ? std::to_string(*r.numproc) : "max"});
    return w;
  }
  w.push_back({"memory", "memory.max", r.ram ? std::to_string(*r.ram) : "max"});
  w.push_back({"memory", "memory.swap.max",
               r.ram ? std::to_string(r.swap.value_or(0)) : "max"});
  const uint64_t weight = 1 + (uint64_t{shares} - 2) * 9999 / 262142;
  w.push_back({"cpu", "cpu.weight", std::to_string(weight)});
  w.push_back({"cpu", "cpu.max",
               (quota ? std::to_string(quota) : "max") + " " +
                   std::to_string(kCfsPeriodUs)});
  w.push_back({"cpuset", "cpuset.cpus", mask});
  w.push_back({"pids", "pids.max",
               r.numproc && *r.numproc ? std::to_string(*r.numproc) : "max"});
  return w;
}

Status ApplyResources(cgroup::Cgroup& cg, const Resources& r,
                      unsigned host_cpus) {
  const bool memsw =
      cg.layout() == cgroup::Layout::kV1 &&
      cg.Get("memory", "memory.memsw.limit_in_bytes").has_value();
  for (const auto& w : CgroupWrites(r, cg.layout(), host_cpus, memsw)) {
    Status s = cg.Set(w.controller, w.file, w.value);
    if (s.ok()) continue;
    if (w.file == "memory.swap.max" && s.sys_errno() == ENOENT) continue;
    return FailedPreconditionError("the kernel refused " + w.file + "=" +
                                   w.value + " (" + s.message() + ")" +
                                   (s.sys_errno() == EBUSY
                                        ? ": the container uses more than that"
                                        : ""))
        .WithExitCode(kVzSetUbcError);
  }
  return OkStatus();
}

}  // namespace vz
