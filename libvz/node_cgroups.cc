#include "libvz/node_cgroups.h"

#include <signal.h>

#include "base/file_util.h"
#include "base/log.h"

namespace vz {
namespace {

std::string IdlePath(std::string_view prefix) {
  return std::string(prefix) + "/" + std::string(kIdleJobsCgroup);
}

// cpu.idle puts the group's own scheduling entity at SCHED_IDLE among its
// siblings (kernel 5.15 and later, v1 and v2); before it, the smallest
// weight the layout has comes close.
Status MakeIdle(cgroup::Cgroup& cg) {
  Status idle = cg.Set("cpu", "cpu.idle", "1");
  if (idle.ok()) return idle;
  Status weight = cg.layout() == cgroup::Layout::kV1
                      ? cg.Set("cpu", "cpu.shares", "2")
                      : cg.Set("cpu", "cpu.weight", "1");
  if (weight.ok()) {
    VZ_LOG(kInfo) << "no cpu.idle (" << idle.message()
                  << "): the node's idle jobs get the smallest weight";
  }
  return weight;
}

}  // namespace

Result<cgroup::CgroupFs> NodeCgroupFs(const NodeConfig& node) {
  VZ_ASSIGN_OR_RETURN(cgroup::CgroupFs fs, cgroup::Detect());
  if (fs.layout == cgroup::Layout::kV2) {
    // Under systemd our tree lives in a slice systemd leaves to us.
    fs.base = node.file().GetOr(
        "CGROUP_BASE", PathExists("/run/systemd/system") ? "vz.slice" : "");
  }
  return fs;
}

Result<IdleJobsCgroup> IdleJobsCgroup::Enter(const cgroup::CgroupFs& fs,
                                             std::string_view prefix) {
  std::unique_ptr<cgroup::Cgroup> cg = cgroup::Open(fs, IdlePath(prefix));
  // Another job leaving may remove the group between our mkdir and our
  // move: one more try then.
  Status moved;
  for (int attempt = 0; attempt < 2; ++attempt) {
    VZ_RETURN_IF_ERROR(cg->Create());
    VZ_RETURN_IF_ERROR(MakeIdle(*cg).WithContext("make the idle cgroup idle"));
    moved = cg->AttachSelf();
    if (moved.ok()) return IdleJobsCgroup(fs, std::move(cg));
  }
  return moved.WithContext("enter the node's idle cgroup");
}

Status IdleJobsCgroup::Leave() {
  // The real root, not the v2 base: the root may hold processes.
  cgroup::CgroupFs root_fs = fs_;
  root_fs.base.clear();
  VZ_RETURN_IF_ERROR(cgroup::Open(root_fs, "")->AttachSelf());
  Status removed = cg_->Remove(std::chrono::milliseconds(0));
  // Another job in it removes it when it leaves.
  if (!removed.ok() && removed.sys_errno() == EBUSY) return OkStatus();
  return removed;
}

Status EndIdleJobs(const cgroup::CgroupFs& fs, std::string_view prefix) {
  std::unique_ptr<cgroup::Cgroup> cg = cgroup::Open(fs, IdlePath(prefix));
  if (!cg->Exists()) return OkStatus();
  // cpu.idle 0 where it took; the weight either way.
  (void)cg->Set("cpu", "cpu.idle", "0");
  VZ_RETURN_IF_ERROR(cg->layout() == cgroup::Layout::kV1
                         ? cg->Set("cpu", "cpu.shares", "1024")
                         : cg->Set("cpu", "cpu.weight", "100"));
  VZ_RETURN_IF_ERROR(cg->KillAll(SIGKILL));
  return cg->Remove(std::chrono::seconds(2));
}

}  // namespace vz
