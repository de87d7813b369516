#include "libvz/ct_info.h"

#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "libvz/cgroup.h"
#include "libvz/container.h"
#include "libvz/container/internal.h"
#include "libvz/lxcfs.h"
#include "libvz/network.h"
#include "libvz/resources.h"
#include "libvz/storage.h"
#include "libvz/ve_config.h"

namespace vz {
namespace {

std::optional<uint64_t> UintOf(const VeConfig& ve, const char* key) {
  auto v = ve.Get(key);
  if (!v) return std::nullopt;
  auto n = ParseUint(*v);
  return n.has_value() ? std::optional<uint64_t>(*n) : std::nullopt;
}

std::optional<uint64_t> UintFile(const cgroup::Cgroup& cg, const char* ctl,
                                 const char* file) {
  auto v = cg.Get(ctl, file);
  if (!v.has_value()) return std::nullopt;
  auto n = ParseUint(Trim(*v));
  return n.has_value() ? std::optional<uint64_t>(*n) : std::nullopt;
}

std::optional<uint64_t> UptimeOf(pid_t pid) {
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  auto up = ReadFile("/proc/uptime");
  if (!stat.has_value() || !up.has_value()) return std::nullopt;
  auto close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  auto f = SplitNonEmpty(stat->substr(close + 2), ' ');
  if (f.size() < 20) return std::nullopt;
  auto start = ParseUint(f[19]);  // field 22: starttime in clock ticks
  if (!start.has_value()) return std::nullopt;
  double host_up = std::strtod(up->c_str(), nullptr);
  double started =
      static_cast<double>(*start) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  return host_up > started ? static_cast<uint64_t>(host_up - started) : 0;
}

void FromConfig(const VeConfig& ve, ContainerInfo& i) {
  if (auto u = ve.uuid(); u.has_value() && *u) i.uuid = (*u)->ToString();
  i.name = ve.Get("NAME").value_or("");
  i.hostname = ve.Get("HOSTNAME").value_or("");
  i.ostemplate = ve.Get("OSTEMPLATE").value_or("");
  i.tenant = ve.tenant().value_or("default");
  i.description = ve.Get("DESCRIPTION").value_or("");
  if (auto ips = ContainerAddresses(ve); ips.has_value()) i.ips = *ips;
  if (auto r = ReadResources(ve, HostCpus()); r.has_value()) {
    i.ram_limit = r->ram;
    i.swap_limit = r->swap;
    i.cpus = r->cpus;
    i.cpulimit = r->cpulimit;
    i.cpuunits = r->cpuunits;
    if (r->numproc && *r->numproc) i.numproc_limit = r->numproc;
  }
  if (auto d = ve.diskspace(); d.has_value() && *d) {
    i.disk_soft = (*d)->soft;
    i.disk_hard = (*d)->hard;
  }
  if (auto d = ve.diskinodes(); d.has_value() && *d) {
    i.inodes_total = (*d)->hard;
  }
  i.iolimit = UintOf(ve, "IOLIMIT");
  i.iopslimit = UintOf(ve, "IOPSLIMIT");
  i.ioprio = UintOf(ve, "IOPRIO");
  i.onboot = ve.Get("ONBOOT").value_or("no") == "yes";
  i.bootorder = UintOf(ve, "BOOTORDER");
}

// The container's load average as lxcfs gives it to a reader in the
// container's CPU cgroup: a short-lived child joins that cgroup and reads.
std::optional<std::string> LoadAverage(cgroup::Cgroup& cg,
                                       const std::string& lxcfs) {
  int p[2];
  if (::pipe(p) != 0) return std::nullopt;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    ::close(p[0]);
    // Only the CPU hierarchy (a frozen container's freezer would stop us),
    // by a move of itself, which waits for no RCU grace period on v1
    // (Cgroup::AttachSelf): vzlist reads every container.
    if (!cg.AttachSelfIn("cpu").ok()) ::_exit(1);
    auto text = ReadFile(lxcfs + "/proc/loadavg");
    if (!text.has_value()) ::_exit(1);
    (void)!::write(p[1], text->data(), text->size());
    ::_exit(0);
  }
  ::close(p[1]);
  char buf[128];
  ssize_t n = ::read(p[0], buf, sizeof buf);
  ::close(p[0]);
  ::waitpid(pid, nullptr, 0);
  if (n <= 0) return std::nullopt;
  auto f = SplitNonEmpty(std::string(buf, static_cast<size_t>(n)), ' ');
  if (f.size() < 3) return std::nullopt;
  return f[0] + " " + f[1] + " " + f[2];
}

void FromCgroup(const NodeConfig& node, const cgroup::Cgroup& cg,
                ContainerInfo& i) {
  auto pids = cg.Pids();
  i.running = pids.has_value() && !pids->empty();
  if (!i.running) return;
  i.numproc = pids->size();
  i.ram_used = UintFile(cg, "memory", "memory.usage_in_bytes");
  if (!i.ram_used) i.ram_used = UintFile(cg, "memory", "memory.current");
  auto memsw = UintFile(cg, "memory", "memory.memsw.usage_in_bytes");
  if (memsw && i.ram_used) i.swap_used = *memsw - std::min(*memsw, *i.ram_used);
  i.cpu_used_ns = UintFile(cg, "cpuacct", "cpuacct.usage");
  // The monitor's record names the init.
  if (auto st = GetRunState(node, i.ctid); st.has_value() && st->init_pid > 0) {
    i.uptime_s = UptimeOf(st->init_pid);
  }
  auto frozen = cg.IsFrozen();
  i.status = frozen.has_value() && *frozen ? "suspended" : "running";
}

}  // namespace

Result<ContainerInfo> CollectContainerInfo(const NodeConfig& node,
                                           const std::string& ctid) {
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(node, ctid));
  ContainerInfo i;
  i.ctid = ctid;
  FromConfig(ve, i);
  i.status = "stopped";
  if (auto cg = container::OpenCgroup(node, ve); cg.has_value()) {
    if ((*cg)->Exists()) FromCgroup(node, **cg, i);
    const std::string lxcfs = LxcfsDir(node);
    if (i.running && LxcfsAlive(lxcfs)) i.laverage = LoadAverage(**cg, lxcfs);
  }
  auto st = GetStorageState(node, ctid);
  if (st.has_value() && st->mounted) {
    if (!i.running) i.status = "mounted";
    struct statvfs vfs;
    if (::statvfs(st->ve_root.c_str(), &vfs) == 0) {
      i.disk_used = (vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
      i.inodes_used = vfs.f_files - vfs.f_ffree;
      i.inodes_total = vfs.f_files;
    }
  }
  if (auto t = ContainerTraffic(node, ve); t.has_value()) {
    for (const auto& [ifname, x] : *t) {
      i.bytes_in += x.bytes_in;
      i.bytes_out += x.bytes_out;
      i.packets_in += x.packets_in;
      i.packets_out += x.packets_out;
    }
  }
  return i;
}

}  // namespace vz
