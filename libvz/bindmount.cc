#include "libvz/bindmount.h"

#include <sys/stat.h>

#include <algorithm>

#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/node_config.h"

namespace vz {
namespace {

Status Bad(std::string_view entry, std::string_view why) {
  return InvalidArgumentError("invalid bind mount '" + std::string(entry) +
                              "': " + std::string(why))
      .WithExitCode(kVzInvalidParameterValue);
}

Result<BindMount> ParseOne(std::string_view entry) {
  auto parts = Split(entry, ':');
  if (parts.size() < 2 || parts.size() > 3) {
    return Bad(entry, "expected SRC:DST[:ro]");
  }
  BindMount b{parts[0], parts[1], false};
  if (parts.size() == 3) {
    if (parts[2] != "ro" && parts[2] != "rw") return Bad(entry, "expected ro");
    b.read_only = parts[2] == "ro";
  }
  for (const auto& p : {b.source, b.target}) {
    if (!ValidateNodePath("bind mount", p).ok() || p == "/") {
      return Bad(entry, "'" + p + "' must be an absolute path below /");
    }
  }
  return b;
}

}  // namespace

Result<std::vector<BindMount>> ParseBindMounts(std::string_view text) {
  std::vector<BindMount> out;
  for (const auto& e : SplitNonEmpty(text, ' ')) {
    VZ_ASSIGN_OR_RETURN(BindMount b, ParseOne(e));
    out.push_back(b);
  }
  return out;
}

std::string FormatBindMounts(const std::vector<BindMount>& mounts) {
  std::vector<std::string> parts;
  for (const auto& b : mounts) {
    parts.push_back(b.source + ":" + b.target + (b.read_only ? ":ro" : ""));
  }
  return Join(parts, " ");
}

Status AddBindMount(std::vector<BindMount>& mounts, std::string_view spec) {
  VZ_ASSIGN_OR_RETURN(BindMount b, ParseOne(spec));
  for (const auto& m : mounts) {
    if (m.target == b.target) return Bad(spec, "'" + b.target + "' is bound");
  }
  mounts.push_back(b);
  return OkStatus();
}

Status CheckBindSource(const BindMount& b) {
  struct stat st;
  if (::stat(b.source.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return InvalidArgumentError("bind mount source '" + b.source +
                                "' is not a directory on this host")
        .WithExitCode(kVzInvalidParameterValue);
  }
  return OkStatus();
}

Status DelBindMount(std::vector<BindMount>& mounts, std::string_view target) {
  if (target == "all") {
    mounts.clear();
    return OkStatus();
  }
  auto it = std::find_if(mounts.begin(), mounts.end(), [&](const BindMount& m) {
    return m.target == target;
  });
  if (it == mounts.end()) return Bad(target, "no such bind mount");
  mounts.erase(it);
  return OkStatus();
}

}  // namespace vz
