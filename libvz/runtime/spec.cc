// MakeSpec: the runtime's view of a container config.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "base/log.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/runtime.h"
#include "libvz/runtime/policy.h"
#include "libvz/runtime/security.h"

namespace vz::runtime {
namespace {

// The container owns its files: a symlink on the way to a bind target
// could point anywhere on the host, so none is followed.
Status CheckBindTarget(const std::string& rootfs, const BindMount& b) {
  VZ_RETURN_IF_ERROR(CheckBindSource(b));
  struct stat st;
  std::string path = rootfs;
  for (const auto& part : SplitNonEmpty(b.target, '/')) {
    path += "/" + part;
    if (::lstat(path.c_str(), &st) != 0) break;  // made by the runtime
    if (S_ISLNK(st.st_mode)) {
      return InvalidArgumentError("bind mount target '" + b.target +
                                  "' passes a symlink in the container")
          .WithExitCode(kVzInvalidParameterValue);
    }
  }
  return OkStatus();
}

}  // namespace

Result<Spec> MakeSpec(const NodeConfig& node, const VeConfig& config,
                      std::optional<IdRange> ids, cgroup::Layout layout,
                      bool for_start) {
  Spec spec;
  spec.ctid = config.ctid();
  VZ_ASSIGN_OR_RETURN(spec.rootfs, config.VeRoot(node));
  VZ_ASSIGN_OR_RETURN(auto hostname, config.hostname());
  spec.hostname = hostname.value_or(config.ctid());
  spec.ids = ids;
  spec.cgroup_layout = layout;
  VZ_ASSIGN_OR_RETURN(
      spec.capabilities,
      internal::CapabilitySet(config.Get("CAPABILITY").value_or(""),
                              internal::LastCap()));
  spec.devices = internal::BaseDeviceRules();
  VZ_ASSIGN_OR_RETURN(
      auto extra, internal::ParseDevices(config.Get("DEVICES").value_or("")));
  spec.devices.insert(spec.devices.end(), extra.begin(), extra.end());
  VZ_ASSIGN_OR_RETURN(
      auto nodes,
      internal::ParseDevNodes(config.Get("DEVNODES"), config.Get("FEATURES")));
  for (const auto& n : nodes) {
    struct stat st;
    if (::stat(n.path.c_str(), &st) != 0 ||
        !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
      if (!for_start) continue;
      if (n.optional) {
        // A feature the host cannot give (ppp:on without ppp_generic):
        // the container starts without it, as before vz knew ppp.
        VZ_LOG(kWarning) << "container '" << config.ctid() << "': FEATURES: "
                         << "the host has no device node '" << n.path
                         << "'; started without it";
        continue;
      }
      return InvalidArgumentError("device '" + n.path +
                                  "' is not a device node on this host")
          .WithExitCode(kVzSetDevices);
    }
    spec.devices.push_back({S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev),
                            minor(st.st_rdev), n.access});
    spec.devnodes.push_back(n.path);
  }
  VZ_ASSIGN_OR_RETURN(spec.bindmounts,
                      ParseBindMounts(config.Get("BINDMOUNT").value_or("")));
  for (const auto& b : spec.bindmounts) {
    if (for_start) VZ_RETURN_IF_ERROR(CheckBindTarget(spec.rootfs, b));
  }
  return spec;
}

}  // namespace vz::runtime

namespace vz::runtime {

Status ValidatePolicyKeys(const VeConfig& config) {
  VZ_RETURN_IF_ERROR(
      internal::CapabilitySet(config.Get("CAPABILITY").value_or(""),
                              internal::LastCap())
          .status());
  VZ_RETURN_IF_ERROR(
      internal::ParseDevices(config.Get("DEVICES").value_or("")).status());
  VZ_RETURN_IF_ERROR(
      internal::FeatureEntries(config.Get("FEATURES").value_or("")).status());
  return internal::ParseDevNodes(config.Get("DEVNODES"), config.Get("FEATURES"))
      .status();
}

Result<std::string> MergeCapabilities(std::string_view current,
                                      std::string_view change) {
  VZ_ASSIGN_OR_RETURN(auto entries, internal::CapabilityEntries(current));
  VZ_ASSIGN_OR_RETURN(auto more, internal::CapabilityEntries(change));
  for (const auto& [name, on] : more) {
    std::erase_if(entries, [&](const auto& e) { return e.first == name; });
    entries.emplace_back(name, on);
  }
  std::string out;
  for (const auto& [name, on] : entries) {
    out += (out.empty() ? "" : " ") + name + (on ? ":on" : ":off");
  }
  return out;
}

Result<std::string> MergeFeatures(std::string_view current,
                                  std::string_view change) {
  VZ_RETURN_IF_ERROR(internal::FeatureEntries(change).status());
  // The last word wins, so the change is read after what the config has;
  // that is read as a start reads it: a word saved before vz checked
  // FEATURES is dropped here, not a reason to refuse the fix.
  std::string out;
  for (const auto& f : internal::ValidFeatureEntries(
           std::string(current) + " " + std::string(change))) {
    out += (out.empty() ? "" : " ") + f.name + (f.on ? ":on" : ":off");
  }
  return out;
}

std::vector<std::string> FeatureWarnings(std::string_view change) {
  std::vector<std::string> out;
  auto entries = internal::FeatureEntries(change);
  if (!entries.has_value()) return out;
  for (const auto& f : *entries) {
    std::string_view why = internal::FeatureWithoutEffect(f.name);
    if (!why.empty()) {
      out.push_back(f.name + ": " + std::string(why) +
                    "; kept in the config, it changes nothing");
    }
    const std::string dev(internal::FeatureDevice(f.name));
    struct stat st;
    if (f.on && !dev.empty() && ::stat(dev.c_str(), &st) != 0) {
      out.push_back(f.name + ": the host has no " + dev +
                    "; the container starts without it until it has");
    }
  }
  return out;
}

}  // namespace vz::runtime
