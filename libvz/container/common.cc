// Pieces shared by start, stop, the monitor and recovery.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "libvz/container/internal.h"
#include "libvz/exit_codes.h"
#include "libvz/idmap.h"
#include "libvz/net/container_net.h"
#include "libvz/net/net_config.h"
#include "libvz/net/node_net.h"
#include "libvz/node_cgroups.h"
#include "libvz/storage.h"
#include "libvz/storage/boot_set.h"

namespace vz::container {

Result<std::unique_ptr<cgroup::Cgroup>> OpenCgroup(const NodeConfig& node,
                                                   const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(cgroup::CgroupFs fs, NodeCgroupFs(node));
  VZ_ASSIGN_OR_RETURN(std::string tenant, ve.tenant());
  return cgroup::Open(
      fs, cgroup::ContainerPath(node.root().prefix(), tenant, ve.ctid()));
}

Result<runtime::Spec> SpecFor(const NodeConfig& node, VeConfig& ve,
                              bool allocate) {
  std::optional<IdRange> ids;
  if (allocate) {
    VZ_ASSIGN_OR_RETURN(ids, EnsureIdRange(node, ve));
  } else {
    // A running container's: what joins it follows its init's namespaces
    // (runtime::Exec), so a config changed since its start (USERNS, a
    // range left behind or not yet allocated) neither matters nor fails.
    VZ_ASSIGN_OR_RETURN(bool privileged, IsPrivileged(ve));
    if (!privileged) {
      VZ_ASSIGN_OR_RETURN(ids, ReadIdRange(ve));
    }
  }
  VZ_ASSIGN_OR_RETURN(cgroup::CgroupFs fs, cgroup::Detect());
  return runtime::MakeSpec(node, ve, ids, fs.layout, /*for_start=*/allocate);
}

std::vector<std::string> ActionScripts(const std::string& conf_dir,
                                       std::string_view ctid,
                                       std::string_view action) {
  std::vector<std::string> out;
  const bool global = action == "premount" || action == "mount" ||
                      action == "umount" || action == "postumount";
  if (global) {
    std::string p = JoinPath(conf_dir, "vps." + std::string(action));
    if (PathExists(p)) out.push_back(p);
  }
  std::string p =
      JoinPath(conf_dir, std::string(ctid) + "." + std::string(action));
  if (PathExists(p)) out.push_back(p);
  return out;
}

std::vector<std::string> ActionScriptEnv(const NodeConfig& node,
                                         const VeConfig& ve) {
  std::vector<std::string> env = {
      "VEID=" + ve.ctid(), "VE_CONFFILE=" + node.ConfigPathFor(ve.ctid())};
  if (auto r = ve.VeRoot(node); r.has_value()) env.push_back("VE_ROOT=" + *r);
  if (auto p = ve.VePrivate(node); p.has_value()) {
    env.push_back("VE_PRIVATE=" + *p);
  }
  return env;
}

Status RunHostScripts(const NodeConfig& node, const VeConfig& ve,
                      std::string_view action) {
  for (const auto& script : ActionScripts(node.conf_dir(), ve.ctid(), action)) {
    SubprocessOptions opts{.env = ActionScriptEnv(node, ve),
                           .capture_stdout = false};
    auto r = RunSubprocess({"/bin/sh", script}, opts);
    if (!r.has_value() || !r->success()) {
      std::string how = r.has_value() ? r->Describe() : r.error().message();
      return InternalError("action script '" + script + "' " + how)
          .WithExitCode(kVzActionScriptError);
    }
  }
  return OkStatus();
}

Status RunInsideScript(const NodeConfig& node, VeConfig& ve,
                       std::string_view action, pid_t init_pid) {
  for (const auto& script : ActionScripts(node.conf_dir(), ve.ctid(), action)) {
    VZ_ASSIGN_OR_RETURN(std::string text, ReadFile(script));
    VZ_ASSIGN_OR_RETURN(runtime::Spec spec, SpecFor(node, ve, false));
    VZ_ASSIGN_OR_RETURN(auto cg, OpenCgroup(node, ve));
    runtime::ExecOptions opts{.argv = {"/bin/sh", "-c", text, script}};
    for (auto& e : ActionScriptEnv(node, ve)) opts.env.push_back(e);
    VZ_ASSIGN_OR_RETURN(int rc, runtime::Exec(spec, init_pid, *cg, opts));
    if (rc != 0) {
      return InternalError("action script '" + script + "' exited with code " +
                           std::to_string(rc))
          .WithExitCode(kVzActionScriptError);
    }
  }
  return OkStatus();
}

namespace {

bool HasNetwork(const net::NetConfig& c) {
  return !c.routed.empty() || !c.netifs.empty();
}

// NET_INDEX names the host side of the links; one per container.
Result<uint32_t> NetIndex(const NodeConfig& node, const net::NetConfig& c,
                          const std::string& ctid) {
  if (c.index) return *c.index;
  std::vector<uint32_t> used;
  for (const auto& [other, oc] : net::OtherNetConfigs(node, ctid)) {
    if (oc.index) used.push_back(*oc.index);
  }
  return net::FreeNetIndex(used);
}

}  // namespace

Status StartNetwork(const NodeConfig& node, VeConfig& ve, int netns_fd) {
  VZ_ASSIGN_OR_RETURN(net::NetConfig c, net::NetConfigOf(ve));
  if (!HasNetwork(c)) return OkStatus();
  VZ_ASSIGN_OR_RETURN(uint32_t index, NetIndex(node, c, ve.ctid()));
  if (!c.index) {
    VZ_RETURN_IF_ERROR(ve.Set("NET_INDEX", std::to_string(index)));
    VZ_RETURN_IF_ERROR(ve.Save(node));
    c.index = index;
  }
  VZ_ASSIGN_OR_RETURN(net::NodeNet nn, net::NodeNetOf(node));
  net::ContainerNet cn(std::move(nn), ve.ctid(), c);
  return cn.Start(netns_fd).WithContext("start network");
}

Result<bool> UpdateRoutedLive(const NodeConfig& node, const VeConfig& old_ve,
                              const VeConfig& ve, int netns_fd) {
  VZ_ASSIGN_OR_RETURN(net::NetConfig before, net::NetConfigOf(old_ve));
  VZ_ASSIGN_OR_RETURN(net::NetConfig after, net::NetConfigOf(ve));
  // Routed addresses join the venet link made at start; without one the
  // change waits for the next start.
  if (!before.index || before.routed.empty()) return false;
  after.index = before.index;
  VZ_ASSIGN_OR_RETURN(net::NodeNet nn, net::NodeNetOf(node));
  net::ContainerNet cn(std::move(nn), ve.ctid(), after);
  VZ_RETURN_IF_ERROR(cn.UpdateRouted(netns_fd, before));
  return true;
}

Status StopNetwork(const NodeConfig& node, const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(net::NetConfig c, net::NetConfigOf(ve));
  if (!HasNetwork(c) || !c.index) return OkStatus();
  VZ_ASSIGN_OR_RETURN(net::NodeNet nn, net::NodeNetOf(node));
  net::ContainerNet cn(std::move(nn), ve.ctid(), c);
  return cn.Stop();
}

namespace {

// Keeps the first error of steps that all run.
void KeepFirst(Status& first, Status s) {
  if (first.ok() && !s.ok()) first = std::move(s);
}

}  // namespace

Status TearDown(const NodeConfig& node, const VeConfig& ve, bool premounted) {
  Status first = TearDownRuntime(node, ve);
  KeepFirst(first, TearDownStorage(node, ve, premounted));
  return first;
}

Status TearDownRuntime(const NodeConfig& node, const VeConfig& ve) {
  Status first;
  auto keep = [&first](Status s) { KeepFirst(first, std::move(s)); };
  auto cg = OpenCgroup(node, ve);
  if (cg.has_value()) {
    if ((*cg)->Exists()) {
      keep((*cg)->KillAll(SIGKILL));
      keep((*cg)->Remove(std::chrono::seconds(10)));
    }
  } else {
    keep(cg.error());
  }
  keep(StopNetwork(node, ve));
  if (const std::string dev = DevNodeDir(node, ve.ctid()); PathExists(dev)) {
    keep(RemoveTree(dev));
  }
  return first;
}

Status TearDownStorage(const NodeConfig& node, const VeConfig& ve,
                       bool premounted) {
  Status first;
  auto keep = [&first](Status s) { KeepFirst(first, std::move(s)); };
  if (!premounted) {
    auto st = GetStorageState(node, ve.ctid());
    if (st.has_value() && st->mounted) {
      keep(RunHostScripts(node, ve, "umount"));
      keep(UmountContainer(node, ve));
      keep(RunHostScripts(node, ve, "postumount"));
    }
  }
  return first;
}

std::string DevNodeDir(const NodeConfig& node, std::string_view ctid) {
  return node.root().Path("/run/vz/dev/" + std::string(ctid));
}

Result<std::string> MakeDevNodes(const NodeConfig& node,
                                 const runtime::Spec& spec) {
  const std::string dir = DevNodeDir(node, spec.ctid);
  if (PathExists(dir)) VZ_RETURN_IF_ERROR(RemoveTree(dir));
  if (spec.devnodes.empty()) return std::string();
  // The container's root (an unmapped ID on the host) binds them from
  // here: it may pass through, not list. The node's run/ too: made by
  // another runtime directory's MakeDirs (run/ploop, 0700) on a node root
  // without one, it stopped every unprivileged start with DEVNODES or a
  // device feature. There only x is added, and only where missing (the
  // host's /run keeps its mode).
  VZ_RETURN_IF_ERROR(MakeDirs(dir, 0711));
  ::chmod(DirName(dir).c_str(), 0711);
  ::chmod(DirName(DirName(dir)).c_str(), 0711);
  const std::string run = node.root().Path("/run");
  struct stat run_st;
  if (::stat(run.c_str(), &run_st) == 0 && !(run_st.st_mode & S_IXOTH)) {
    ::chmod(run.c_str(), (run_st.st_mode & 07777) | 0111);
  }
  for (const auto& path : spec.devnodes) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      return ErrnoError(errno, "device '" + path + "'");
    }
    const std::string copy = dir + path;
    VZ_RETURN_IF_ERROR(MakeDirs(DirName(copy)));
    if (::mknod(copy.c_str(), st.st_mode, st.st_rdev) != 0) {
      return ErrnoError(errno, "make device '" + copy + "'");
    }
    if (spec.ids && ::chown(copy.c_str(), spec.ids->uid, spec.ids->gid) != 0) {
      return ErrnoError(errno, "chown '" + copy + "'");
    }
  }
  return dir;
}

bool PrefetchInit(const std::string& rootfs) {
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return false;
  UniqueFd file = storage::OpenRegularInRoot(root.get(), "sbin/init");
  struct stat st;
  return file && ::fstat(file.get(), &st) == 0 &&
         storage::ReadAheadFile(file.get(), static_cast<uint64_t>(st.st_size));
}

bool HasInit(const std::string& rootfs) {
  struct stat st;
  // A symlink (to busybox, to systemd) is resolved inside the container.
  return ::lstat((rootfs + "/sbin/init").c_str(), &st) == 0;
}

}  // namespace vz::container
