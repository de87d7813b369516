#include "base/self_cgroup.h"

#include "base/file_util.h"
#include "base/strings.h"

namespace vz {

bool AllRootCgroups(std::string_view proc_pid_cgroup) {
  // Layout: ID:CONTROLLERS:PATH per hierarchy.
  for (const auto& line : SplitNonEmpty(proc_pid_cgroup, '\n')) {
    if (!line.ends_with(":/")) return false;
  }
  return true;
}

bool InRootCgroups() {
  auto text = ReadFile("/proc/self/cgroup");
  return text.has_value() && AllRootCgroups(*text);
}

bool SingleThreaded() {
  auto text = ReadFile("/proc/self/status");
  if (!text.has_value()) return false;
  for (const auto& line : SplitNonEmpty(*text, '\n')) {
    if (line.starts_with("Threads:")) {
      return Trim(std::string_view(line).substr(8)) == "1";
    }
  }
  return false;
}

}  // namespace vz
