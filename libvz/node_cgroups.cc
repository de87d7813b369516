#include "libvz/node_cgroups.h"

#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/file_util.h"
#include "base/forked_call.h"
#include "base/log.h"

namespace vz {
namespace {

std::string IdlePath(std::string_view prefix) {
  return std::string(prefix) + "/" + std::string(kIdleJobsCgroup);
}

// The CPU weight in the layout's own file and units.
Status SetCpuWeight(cgroup::Cgroup& cg, std::string_view v1_shares,
                    std::string_view v2_weight) {
  return cg.layout() == cgroup::Layout::kV1
             ? cg.Set("cpu", "cpu.shares", v1_shares)
             : cg.Set("cpu", "cpu.weight", v2_weight);
}

// cpu.idle puts the group's own scheduling entity at SCHED_IDLE among its
// siblings (kernel 5.15 and later, v1 and v2); before it, the smallest
// weight the layout has comes close.
Status MakeIdle(cgroup::Cgroup& cg) {
  Status idle = cg.Set("cpu", "cpu.idle", "1");
  if (idle.ok()) return idle;
  Status weight = SetCpuWeight(cg, "2", "1");
  if (weight.ok()) {
    VZ_LOG(kInfo) << "no cpu.idle (" << idle.message()
                  << "): the node's idle jobs get the smallest weight";
  }
  return weight;
}

Status CreateIdle(cgroup::Cgroup& cg) {
  VZ_RETURN_IF_ERROR(cg.Create());
  return MakeIdle(cg).WithContext("make the node's idle cgroup idle");
}

// The process's own priorities: behind the node's other work wherever it
// runs.
void LowerOwnPriority() {
  sched_param none{};
  (void)::sched_setscheduler(0, SCHED_IDLE, &none);
  (void)::setpriority(PRIO_PROCESS, 0, 19);
  constexpr int kIoprioClassIdle = 3, kIoprioWhoProcess = 1;
  (void)::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, kIoprioClassIdle << 13);
}

// In the child: into the group, then the job. Another job's end may have
// removed the group since the parent made it: made again then, once.
Status EnterAndRun(cgroup::Cgroup& cg, const std::function<Status()>& job) {
  Status in = cg.AttachSelf();
  if (!in.ok()) {
    VZ_RETURN_IF_ERROR(CreateIdle(cg));
    VZ_RETURN_IF_ERROR(cg.AttachSelf().WithContext("enter the idle cgroup"));
  }
  LowerOwnPriority();
  return job();
}

Status RunInCaller(const Status& why, const std::function<Status()>& job) {
  VZ_LOG(kWarning) << "the node's idle job runs outside the idle cgroup: "
                   << why.message();
  LowerOwnPriority();
  return job();
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

Status RunIdleJob(const NodeConfig& node, const std::function<Status()>& job) {
  auto fs = NodeCgroupFs(node);
  if (!fs.has_value()) return RunInCaller(fs.error(), job);
  return RunIdleJob(*fs, node.root().prefix(), job);
}

Status RunIdleJob(const cgroup::CgroupFs& fs, std::string_view prefix,
                  const std::function<Status()>& job) {
  std::unique_ptr<cgroup::Cgroup> cg = cgroup::Open(fs, IdlePath(prefix));
  if (Status made = CreateIdle(*cg); !made.ok()) {
    (void)cg->Remove(std::chrono::milliseconds(0));  // no stray group left
    return RunInCaller(made, job);
  }
  auto child = ForkedCall::Start([&] { return EnterAndRun(*cg, job); });
  if (!child.has_value()) {
    (void)cg->Remove(std::chrono::milliseconds(0));
    return child.error();
  }
  Status done = child->Wait();
  // Another job still in it removes it when it ends.
  Status removed = cg->Remove(std::chrono::milliseconds(0));
  if (!removed.ok() && removed.sys_errno() != EBUSY) {
    VZ_LOG(kWarning) << "remove the node's idle cgroup: " << removed.message();
  }
  return done;
}

Status EndIdleJobs(const cgroup::CgroupFs& fs, std::string_view prefix) {
  std::unique_ptr<cgroup::Cgroup> cg = cgroup::Open(fs, IdlePath(prefix));
  if (!cg->Exists()) return OkStatus();
  // Best effort: a weight that cannot be written must not keep the kill
  // and the removal from running.
  (void)cg->Set("cpu", "cpu.idle", "0");
  Status weight = SetCpuWeight(*cg, "1024", "100");
  if (!weight.ok()) {
    VZ_LOG(kInfo) << "the node's idle cgroup keeps its weight: "
                  << weight.message();
  }
  VZ_RETURN_IF_ERROR(cg->KillAll(SIGKILL));
  return cg->Remove(std::chrono::seconds(2));
}

}  // namespace vz
