// ApplySet (libvz/set.h).
#include "libvz/set.h"

#include <fcntl.h>

#include <set>

#include "base/size.h"
#include "base/unique_fd.h"
#include "libvz/bindmount.h"
#include "libvz/cgroup.h"
#include "libvz/container.h"
#include "libvz/container/internal.h"
#include "libvz/ctid.h"
#include "libvz/exit_codes.h"
#include "libvz/journal.h"
#include "libvz/lock.h"
#include "libvz/resources.h"
#include "libvz/runtime.h"
#include "libvz/storage.h"
#include "libvz/ve_config.h"
#include "ploop/ops.h"

namespace vz {
namespace {

// Keys the runtime reads when it starts the container.
const std::set<std::string_view> kAtNextStart = {
    "CAPABILITY", "FEATURES", "DEVNODES", "DEVICES",    "BINDMOUNT",
    "USERNS",     "INIT",     "NETIF",    "AUTORESTART"};

const std::set<std::string_view> kResourceKeys = {
    "PHYSPAGES", "SWAPPAGES", "CPUS",   "CPULIMIT",
    "CPUUNITS",  "CPUMASK",   "NUMPROC"};

bool Changed(const VeConfig& a, const VeConfig& b, std::string_view key) {
  return a.Get(key) != b.Get(key);
}

bool HasProcesses(const cgroup::Cgroup& cg) {
  if (!cg.Exists()) return false;
  auto pids = cg.Pids();
  return pids.has_value() && !pids->empty();
}

// Addresses, host name, DNS and passwords inside the running container.
Status ApplyInsideLive(const NodeConfig& node, const VeConfig& old_ve,
                       VeConfig& ve, pid_t init_pid,
                       const std::vector<std::string>& userpasswd,
                       SetReport& report) {
  if (Changed(old_ve, ve, "IP_ADDRESS")) {
    UniqueFd netns(
        ::open(("/proc/" + std::to_string(init_pid) + "/ns/net").c_str(),
               O_RDONLY | O_CLOEXEC));
    if (!netns.valid()) return ErrnoError(errno, "open the container's netns");
    VZ_ASSIGN_OR_RETURN(
        bool live, container::UpdateRoutedLive(node, old_ve, ve, netns.get()));
    report.notes.push_back(live ? "Routed addresses applied"
                                : "IP_ADDRESS takes effect at the next start");
  }
  if (Changed(old_ve, ve, "IP_ADDRESS") || Changed(old_ve, ve, "NETIF")) {
    VZ_RETURN_IF_ERROR(container::ApplyNetworkFiles(node, ve, init_pid));
  }
  if (Changed(old_ve, ve, "HOSTNAME")) {
    VZ_RETURN_IF_ERROR(container::ApplyHostname(node, ve, init_pid));
    report.notes.push_back("Host name applied");
  }
  if (Changed(old_ve, ve, "NAMESERVER") ||
      Changed(old_ve, ve, "SEARCHDOMAIN")) {
    VZ_RETURN_IF_ERROR(container::ApplyDns(node, ve, init_pid));
    report.notes.push_back("DNS settings applied");
  }
  if (!userpasswd.empty()) {
    VZ_RETURN_IF_ERROR(
        container::SetUserPasswords(node, ve, init_pid, userpasswd));
    report.notes.push_back("Passwords changed");
  }
  return OkStatus();
}

// The live part of the change, undone as a whole when a step fails.
Status ApplyLive(const NodeConfig& node, const VeConfig& old_ve,
                 const VeConfig& ve, cgroup::Cgroup& cg, SetReport& report) {
  const unsigned cpus = HostCpus();
  bool resources = false;
  for (auto k : kResourceKeys) resources |= Changed(old_ve, ve, k);
  if (resources) {
    VZ_ASSIGN_OR_RETURN(Resources now, ReadResources(ve, cpus));
    Status s = ApplyResources(cg, now, cpus);
    if (!s.ok()) {
      auto before = ReadResources(old_ve, cpus);
      if (before.has_value()) (void)ApplyResources(cg, *before, cpus);
      return s;
    }
    report.notes.push_back("Resource limits applied");
    // pids.max below what runs is the kernel's to allow: say what it means.
    const auto running = cg.PidsCurrent();  // tasks: threads count too
    if (Changed(old_ve, ve, "NUMPROC") && now.numproc && *now.numproc > 0 &&
        running.has_value() && *running > *now.numproc) {
      report.warnings.push_back(
          "the container runs " + std::to_string(*running) +
          " tasks (processes and threads), more than NUMPROC " +
          std::to_string(*now.numproc) +
          ": none of them is stopped, but no new one can start until enough "
          "have ended");
    }
  }
  VZ_ASSIGN_OR_RETURN(std::string dd, DiskDescriptorOf(node, ve));
  if (Changed(old_ve, ve, "IOLIMIT") || Changed(old_ve, ve, "IOPSLIMIT") ||
      Changed(old_ve, ve, "IOPRIO")) {
    VZ_RETURN_IF_ERROR(ApplyIoLimits(node, ve));
    report.notes.push_back("I/O limits applied");
  }
  if (Changed(old_ve, ve, "DISKSPACE")) {
    VZ_ASSIGN_OR_RETURN(auto disk, ve.diskspace());
    VZ_ASSIGN_OR_RETURN(auto old_disk, old_ve.diskspace());
    if (disk && (!old_disk || disk->hard > old_disk->hard)) {
      auto r =
          ploop::ResizeImageWithFs(node.root(), dd, disk->hard >> 20 << 20);
      if (!r.has_value() && r.error().exit_code() != 26) {
        return std::move(r)
            .error()
            .WithContext("grow the disk")
            .WithExitCode(kVzResizeImage);
      }
      report.notes.push_back(
          r.has_value() ? "The disk was grown online"
                        : "The disk was grown; its filesystem grows at the "
                          "next start (" +
                              r.error().message() + ")");
    } else if (disk && old_disk && disk->hard < old_disk->hard) {
      return FailedPreconditionError(
                 "a running container's disk cannot shrink: stop it, set "
                 "--diskspace with --save, and it shrinks at the next start")
          .WithExitCode(kVzResizeImage);
    }
  }
  for (auto k : kAtNextStart) {
    if (Changed(old_ve, ve, k)) {
      report.notes.push_back(std::string(k) +
                             " takes effect at the next start");
    }
  }
  return OkStatus();
}

Status ApplySample(const NodeConfig& node, const std::string& sample,
                   VeConfig& ve) {
  VZ_RETURN_IF_ERROR(ValidateSampleName(sample));
  auto file = ConfigFile::Load(node.SamplePathFor(sample));
  if (!file.has_value()) {
    return std::move(file)
        .error()
        .WithContext("--applyconfig")
        .WithExitCode(kVzApplyConfigError);
  }
  for (const auto& key : file->Keys()) {
    if (IsPerContainerKey(key)) continue;
    VZ_RETURN_IF_ERROR(ve.Set(key, *file->Get(key)));
  }
  return OkStatus();
}

// Every typed getter once: a bad value in the result is refused before
// anything is applied.
Status Validate(const VeConfig& ve) {
  VZ_RETURN_IF_ERROR(ReadResources(ve, HostCpus()).status());
  VZ_RETURN_IF_ERROR(ve.diskspace().status());
  VZ_RETURN_IF_ERROR(ve.diskinodes().status());
  VZ_RETURN_IF_ERROR(ve.hostname().status());
  VZ_RETURN_IF_ERROR(ve.name().status());
  VZ_RETURN_IF_ERROR(runtime::ValidatePolicyKeys(ve));
  return ValidateIoLimits(ve);
}

}  // namespace

bool IsPerContainerKey(std::string_view key) {
  static const std::set<std::string_view> kKeys = {
      "VE_ROOT",   "VE_PRIVATE",    "OSTEMPLATE", "NAME",
      "UUID",      "HOSTNAME",      "IP_ADDRESS", "NETIF",
      "TENANT",    "ORIGIN_SAMPLE", "VERSION",    "LOCAL_UID",
      "LOCAL_GID", "USERNS",        "NET_INDEX",  "DESCRIPTION"};
  return kKeys.count(key) > 0;
}

Result<SetReport> ApplySet(const NodeConfig& node, const std::string& ctid,
                           const std::vector<SetChange>& changes,
                           const SetOptions& options) {
  std::optional<ContainerLock> names;
  for (const auto& c : changes) {
    if (c.key == "NAME" && !names) {
      VZ_ASSIGN_OR_RETURN(names, ContainerLock::AcquireNames(node.lock_dir()));
    }
  }
  VZ_ASSIGN_OR_RETURN(ContainerLock lock,
                      ContainerLock::Acquire(node.lock_dir(), ctid));
  VZ_ASSIGN_OR_RETURN(VeConfig old_ve, VeConfig::Load(node, ctid));
  VeConfig ve = old_ve;
  if (!options.applyconfig.empty()) {
    VZ_RETURN_IF_ERROR(ApplySample(node, options.applyconfig, ve));
  }
  for (const auto& c : changes) {
    if (c.key == "NAME" && c.value) {
      VZ_RETURN_IF_ERROR(CheckNameAvailable(node.conf_dir(), ctid, *c.value));
    }
    if (c.value && c.key == "CAPABILITY") {
      // OpenVZ's --capability adds to what the config has.
      VZ_ASSIGN_OR_RETURN(std::string merged,
                          runtime::MergeCapabilities(
                              ve.Get("CAPABILITY").value_or(""), *c.value));
      VZ_RETURN_IF_ERROR(ve.Set(c.key, merged));
    } else if (c.value && c.key == "FEATURES") {
      // So does --features.
      VZ_ASSIGN_OR_RETURN(
          std::string merged,
          runtime::MergeFeatures(ve.Get("FEATURES").value_or(""), *c.value));
      VZ_RETURN_IF_ERROR(ve.Set(c.key, merged));
    } else if (c.value) {
      VZ_RETURN_IF_ERROR(ve.Set(c.key, *c.value));
    } else {
      ve.Unset(c.key);
    }
  }
  if (!options.bindmount_add.empty() || !options.bindmount_del.empty()) {
    VZ_ASSIGN_OR_RETURN(auto mounts,
                        ParseBindMounts(ve.Get("BINDMOUNT").value_or("")));
    for (const auto& d : options.bindmount_del) {
      VZ_RETURN_IF_ERROR(DelBindMount(mounts, d));
    }
    for (const auto& a : options.bindmount_add) {
      VZ_RETURN_IF_ERROR(AddBindMount(mounts, a));
      // A source that is not there would fail the next start (a restart
      // would leave the container down): refused now, config untouched.
      VZ_RETURN_IF_ERROR(CheckBindSource(mounts.back()));
    }
    if (mounts.empty()) {
      ve.Unset("BINDMOUNT");
    } else {
      VZ_RETURN_IF_ERROR(ve.Set("BINDMOUNT", FormatBindMounts(mounts)));
    }
  }
  if (!options.net_edits.empty()) {
    VZ_RETURN_IF_ERROR(EditNetwork(node, ve, options.net_edits));
  }
  VZ_RETURN_IF_ERROR(Validate(ve));

  SetReport report;
  for (const auto& c : changes) {
    if (c.key != "FEATURES" || !c.value) continue;
    for (const auto& why : runtime::FeatureWarnings(*c.value)) {
      report.warnings.push_back("FEATURES " + why);
    }
  }
  VZ_ASSIGN_OR_RETURN(RunState run, GetRunState(node, ctid));
  VZ_ASSIGN_OR_RETURN(auto cg, container::OpenCgroup(node, ve));
  // Processes without a monitor (a stale container) still get the limits.
  report.running = run.running() || HasProcesses(*cg);
  if (!options.userpasswd.empty() && !(run.running() && run.init_pid > 0)) {
    return FailedPreconditionError("container '" + ctid +
                                   "' is not running: start it to change "
                                   "passwords (they are never saved)")
        .WithExitCode(kVzVeNotRunning);
  }
  if (report.running) {
    VZ_RETURN_IF_ERROR(ApplyLive(node, old_ve, ve, *cg, report));
  }
  if (run.running() && run.init_pid > 0) {
    VZ_RETURN_IF_ERROR(ApplyInsideLive(node, old_ve, ve, run.init_pid,
                                       options.userpasswd, report));
  }
  if (options.save && !report.running && Changed(old_ve, ve, "DISKSPACE")) {
    // Offline, now: a shrink the filesystem cannot take is refused with the
    // config untouched, instead of failing the next start.
    VZ_ASSIGN_OR_RETURN(bool resized, ResizeStoppedDisk(node, ve));
    if (resized) report.notes.push_back("The disk was resized");
  }
  if (options.save) {
    VZ_RETURN_IF_ERROR(ve.Save(node));
    report.saved = true;
    (void)AppendEvent(node.events_log(), MakeEvent(ctid, "set", ""));
  } else if (!report.running) {
    report.notes.push_back(
        "WARNING: the container is not running and --save was not given: "
        "nothing was changed");
  }
  return report;
}

}  // namespace vz
