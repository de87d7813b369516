// RecoverContainer: clean up after a monitor that died (doc/runtime.md §5).
#include <unistd.h>

#include "base/file_util.h"
#include "libvz/container.h"
#include "libvz/container/internal.h"
#include "libvz/journal.h"
#include "libvz/lock.h"

namespace vz {

namespace container {

Result<bool> RecoverLocked(const NodeConfig& node, std::string_view ctid,
                           bool keep_disk) {
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(node, ctid));
  if (st.status != RunStatus::kStale) return false;
  bool premounted = keep_disk;
  if (auto text = ReadFile(MonitorPidPath(node, ctid)); text.has_value()) {
    auto rec = ParsePidRecord(*text);
    premounted = premounted || (rec.has_value() && rec->premounted);
  }
  auto ve = VeConfig::Load(node, ctid);
  Status s = ve.has_value() ? TearDown(node, *ve, premounted) : OkStatus();
  ::unlink(MonitorSocketPath(node, ctid).c_str());
  ::unlink(MonitorPidPath(node, ctid).c_str());
  (void)AppendEvent(
      node.events_log(),
      MakeEvent(ctid, "recover",
                s.ok() ? "stale monitor state cleaned" : s.message()));
  VZ_RETURN_IF_ERROR(s);
  return true;
}

}  // namespace container

Result<bool> RecoverContainer(const NodeConfig& node, std::string_view ctid) {
  VZ_ASSIGN_OR_RETURN(
      ContainerLock lock,
      ContainerLock::Acquire(node.lock_dir(), ctid,
                             {.wait = std::chrono::seconds(10)}));
  return container::RecoverLocked(node, ctid, /*keep_disk=*/false);
}

Result<std::vector<std::string>> RecoverAll(const NodeConfig& node) {
  std::vector<std::string> cleaned;
  auto names = ListDir(node.conf_dir());
  if (!names.has_value()) {
    if (names.error().code() == Code::kNotFound) return cleaned;
    return names.error();
  }
  Status first;
  for (const auto& n : *names) {
    if (!n.ends_with(".conf")) continue;
    const std::string ctid = n.substr(0, n.size() - 5);
    auto r = RecoverContainer(node, ctid);
    if (!r.has_value()) {
      if (first.ok()) first = r.error();
      continue;
    }
    if (*r) cleaned.push_back(ctid);
  }
  VZ_RETURN_IF_ERROR(first);
  return cleaned;
}

}  // namespace vz
