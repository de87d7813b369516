#include "libvz/runtime/policy.h"

#include <linux/capability.h>
#include <sys/capability.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "base/strings.h"
#include "libvz/exit_codes.h"

namespace vz::runtime::internal {
namespace {

Status Bad(std::string_view key, std::string_view entry, std::string_view why) {
  return InvalidArgumentError("invalid " + std::string(key) + " entry '" +
                              std::string(entry) + "': " + std::string(why))
      .WithExitCode(kVzInvalidParameterValue);
}

std::vector<std::string> Entries(std::string_view text) {
  std::string t(text);
  std::replace(t.begin(), t.end(), ',', ' ');
  return SplitNonEmpty(t, ' ');
}

// One "name:on|off" entry of `key` (CAPABILITY, FEATURES): its name in
// lowercase, whether on, and the entry as written for errors.
struct OnOff {
  std::string name;
  bool on = false;
  std::string entry;
};
Result<std::vector<OnOff>> OnOffEntries(std::string_view key,
                                        std::string_view text) {
  std::vector<OnOff> out;
  for (const auto& entry : Entries(text)) {
    auto colon = entry.rfind(':');
    if (colon == std::string::npos) return Bad(key, entry, "no ':'");
    std::string state = entry.substr(colon + 1);
    if (state != "on" && state != "off") return Bad(key, entry, "on or off");
    out.push_back({ToLower(entry.substr(0, colon)), state == "on", entry});
  }
  return out;
}

}  // namespace

const std::vector<int>& DefaultDroppedCapabilities() {
  static const std::vector<int> kDropped = {
      CAP_SYS_MODULE,        CAP_SYS_RAWIO,     CAP_SYS_TIME,
      CAP_MAC_ADMIN,         CAP_MAC_OVERRIDE,  CAP_SYSLOG,
      CAP_SYS_PACCT,         CAP_AUDIT_CONTROL, CAP_WAKE_ALARM,
      CAP_BLOCK_SUSPEND,     CAP_PERFMON,       CAP_BPF,
      CAP_CHECKPOINT_RESTORE};
  return kDropped;
}

Result<std::vector<std::pair<std::string, bool>>> CapabilityEntries(
    std::string_view capability_key) {
  std::vector<std::pair<std::string, bool>> out;
  VZ_ASSIGN_OR_RETURN(auto entries, OnOffEntries("CAPABILITY", capability_key));
  for (auto& e : entries) {
    if (e.name.starts_with("cap_")) e.name = e.name.substr(4);
    cap_value_t cap = 0;
    if (cap_from_name(("cap_" + e.name).c_str(), &cap) != 0) {
      return Bad("CAPABILITY", e.entry, "unknown capability");
    }
    out.emplace_back(e.name, e.on);
  }
  return out;
}

Result<std::vector<int>> CapabilitySet(std::string_view capability_key,
                                       int last_cap) {
  std::vector<bool> keep(static_cast<size_t>(last_cap) + 1, true);
  for (int c : DefaultDroppedCapabilities()) {
    if (c <= last_cap) keep[static_cast<size_t>(c)] = false;
  }
  VZ_ASSIGN_OR_RETURN(auto entries, CapabilityEntries(capability_key));
  for (const auto& [name, on] : entries) {
    cap_value_t cap = 0;
    cap_from_name(("cap_" + name).c_str(), &cap);
    if (cap > last_cap) {
      return Bad("CAPABILITY", name, "unknown capability on this kernel");
    }
    keep[static_cast<size_t>(cap)] = on;
  }
  std::vector<int> out;
  for (int c = 0; c <= last_cap; ++c) {
    if (keep[static_cast<size_t>(c)]) out.push_back(c);
  }
  return out;
}

std::vector<cgroup::DeviceRule> BaseDeviceRules() {
  return {
      {'c', 1, 3, "rwm"}, {'c', 1, 5, "rwm"}, {'c', 1, 7, "rwm"},
      {'c', 1, 8, "rwm"}, {'c', 1, 9, "rwm"}, {'c', 5, 0, "rwm"},
      {'c', 5, 1, "rwm"}, {'c', 5, 2, "rwm"}, {'c', 136, -1, "rwm"},
  };
}

Result<std::vector<DevNode>> ParseDevNodes(
    std::optional<std::string> devnodes, std::optional<std::string> features) {
  std::vector<DevNode> out;
  for (const auto& entry : Entries(devnodes.value_or(""))) {
    auto colon = entry.rfind(':');
    if (colon == std::string::npos) return Bad("DEVNODES", entry, "no ':'");
    std::string name = entry.substr(0, colon);
    std::string access = entry.substr(colon + 1);
    if (access == "none") continue;
    if (name.empty() || name.find("..") != std::string::npos ||
        name[0] == '/' ||
        access.find_first_not_of("rwq") != std::string::npos) {
      return Bad("DEVNODES", entry, "expected name:[r][w][q]|none");
    }
    access.erase(std::remove(access.begin(), access.end(), 'q'), access.end());
    out.push_back({"/dev/" + name, access});
  }
  for (const auto& f : ValidFeatureEntries(features.value_or(""))) {
    const std::string_view dev = FeatureDevice(f.name);
    if (f.on && !dev.empty()) {
      out.push_back({std::string(dev), "rw", /*optional=*/true});
    }
  }
  return out;
}

namespace {

struct KnownFeature {
  std::string_view name;
  std::string_view without_effect;  // "" when vz acts on it
  std::string_view device = "";     // the node it gives, if any
};
// OpenVZ's list (vzctl(8): sysfs, nfs, sit, ipip, ppp, ipgre, bridge,
// nfsd) and the two device features. The kernel, not vz, decides the
// rest: a container has its own network namespace, where it may make
// tunnels and bridges whenever the host has the module loaded, and no
// user namespace may mount NFS or run its server.
constexpr std::string_view kUngatedNet =
    "not gated: the container's network namespace may make it when the host "
    "has the module loaded";
constexpr KnownFeature kFeatures[] = {
    {"tun", "", "/dev/net/tun"},
    {"fuse", "", "/dev/fuse"},
    {"ppp", "", "/dev/ppp"},
    {"sysfs", "every container has /sys (read-only) already"},
    {"nfs", "the kernel decides: no user namespace may mount NFS"},
    {"nfsd", "the kernel decides: no user namespace may run an NFS server"},
    {"sit", kUngatedNet},
    {"ipip", kUngatedNet},
    {"ipgre", kUngatedNet},
    {"bridge", kUngatedNet},
};

const KnownFeature* FindFeature(std::string_view name) {
  for (const auto& f : kFeatures) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// Adds `f`, replacing an earlier entry of its name: the last word wins.
void Put(std::vector<Feature>& out, Feature f) {
  std::erase_if(out, [&](const Feature& e) { return e.name == f.name; });
  out.push_back(std::move(f));
}

}  // namespace

Result<std::vector<Feature>> FeatureEntries(std::string_view features) {
  std::vector<Feature> out;
  VZ_ASSIGN_OR_RETURN(auto entries, OnOffEntries("FEATURES", features));
  for (const auto& e : entries) {
    if (!FindFeature(e.name)) {
      std::string known;
      for (const auto& f : kFeatures) {
        known += (known.empty() ? "" : ", ") + std::string(f.name);
      }
      return Bad("FEATURES", e.entry, "unknown feature (known: " + known + ")");
    }
    Put(out, {e.name, e.on});
  }
  return out;
}

std::vector<Feature> ValidFeatureEntries(std::string_view features) {
  std::vector<Feature> out;
  for (const auto& entry : Entries(features)) {
    auto one = FeatureEntries(entry);
    if (one.has_value() && !one->empty()) Put(out, (*one)[0]);
  }
  return out;
}

std::string_view FeatureWithoutEffect(std::string_view name) {
  const KnownFeature* f = FindFeature(name);
  return f ? f->without_effect : std::string_view();
}

std::string_view FeatureDevice(std::string_view name) {
  const KnownFeature* f = FindFeature(name);
  return f ? f->device : std::string_view();
}

namespace {

Result<int64_t> DevNumber(std::string_view entry, std::string_view text) {
  if (text == "all" || text == "*") return int64_t{-1};
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < 0) {
    return Bad("DEVICES", entry, "bad device number");
  }
  return v;
}

}  // namespace

Result<std::vector<cgroup::DeviceRule>> ParseDevices(std::string_view text) {
  std::vector<cgroup::DeviceRule> out;
  for (const auto& entry : Entries(text)) {
    if (entry == "none") continue;
    auto parts = Split(entry, ':');
    if (parts.size() != 4 || (parts[0] != "b" && parts[0] != "c")) {
      return Bad("DEVICES", entry, "expected b|c:major:minor|all:[r][w][q]");
    }
    VZ_ASSIGN_OR_RETURN(int64_t major, DevNumber(entry, parts[1]));
    VZ_ASSIGN_OR_RETURN(int64_t minor, DevNumber(entry, parts[2]));
    std::string access = parts[3];
    if (access == "none") continue;
    if (access.find_first_not_of("rwq") != std::string::npos) {
      return Bad("DEVICES", entry, "access is [r][w][q]");
    }
    access.erase(std::remove(access.begin(), access.end(), 'q'), access.end());
    if (access.empty()) continue;
    out.push_back({parts[0][0], major, minor, access});
  }
  return out;
}

}  // namespace vz::runtime::internal
