#include "libvz/runtime/mount_plan.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file_util.h"
#include "base/strings.h"

namespace vz::runtime::internal {
namespace {

using Kind = MountStep::Kind;

constexpr unsigned long kNoSuidDevExec = MS_NOSUID | MS_NODEV | MS_NOEXEC;

MountStep Mkdir(std::string target) {
  return {.kind = Kind::kMkdir, .target = std::move(target)};
}
MountStep Mount(std::string source, std::string target, std::string fstype,
                unsigned long flags, std::string data = "") {
  return {.kind = Kind::kMount,
          .source = std::move(source),
          .target = std::move(target),
          .fstype = std::move(fstype),
          .flags = flags,
          .data = std::move(data)};
}
MountStep Bind(std::string source, std::string target, bool optional = false) {
  return {.kind = Kind::kBind,
          .source = std::move(source),
          .target = std::move(target),
          .optional = optional};
}
MountStep RemountRo(std::string target, unsigned long flags,
                    bool optional = false) {
  return {.kind = Kind::kRemountRo,
          .target = std::move(target),
          .flags = flags,
          .optional = optional};
}

void AddProc(const std::string& r, std::vector<MountStep>& out) {
  out.push_back(Mkdir(r + "/proc"));
  out.push_back(Mount("proc", r + "/proc", "proc", kNoSuidDevExec));
  // /proc/sys read-only except the network namespace's own sysctls
  // (LXC's proc:mixed): bind net on itself, then the tree recursively so
  // net comes along, and make only the top read-only.
  out.push_back(Bind(r + "/proc/sys/net", r + "/proc/sys/net"));
  out.push_back(Bind(r + "/proc/sys", r + "/proc/sys"));
  out.push_back(RemountRo(r + "/proc/sys", kNoSuidDevExec));
  for (const auto& f : MaskedProcFiles()) {
    out.push_back(Bind("/dev/null", r + "/proc/" + f, true));
  }
  for (const auto& d : MaskedProcDirs()) {
    MountStep m = Mount("tmpfs", r + "/proc/" + d, "tmpfs",
                        MS_RDONLY | kNoSuidDevExec, "size=0");
    m.optional = true;
    out.push_back(m);
  }
}

void AddSys(const std::string& r, cgroup::Layout layout,
            std::vector<MountStep>& out) {
  const std::string cg = r + "/sys/fs/cgroup";
  out.push_back(Mkdir(r + "/sys"));
  out.push_back(
      Mount("sysfs", r + "/sys", "sysfs", MS_RDONLY | kNoSuidDevExec));
  // The host's firmware and disks are none of the container's business.
  for (const char* d : {"firmware", "block", "class/block", "dev/block"}) {
    MountStep m = Mount("tmpfs", r + "/sys/" + d, "tmpfs",
                        MS_RDONLY | kNoSuidDevExec, "size=0");
    m.optional = true;
    out.push_back(m);
  }
  if (layout == cgroup::Layout::kV2) {
    // The cgroup namespace makes the container's own cgroup the root.
    out.push_back(Mount("cgroup2", cg, "cgroup2", kNoSuidDevExec));
    return;
  }
  // LXC's cgroup:mixed: every controller read-only, name=systemd writable
  // (the container's init manages its own subtree there).
  out.push_back(
      Mount("tmpfs", cg, "tmpfs", kNoSuidDevExec, "mode=755,size=1024k"));
  for (auto h : cgroup::kV1Hierarchies) {
    const std::string dir = cg + "/" + std::string(h);
    const bool systemd = h == "systemd";
    out.push_back(Mkdir(dir));
    out.push_back(Mount("cgroup", dir, "cgroup", kNoSuidDevExec,
                        systemd ? "none,name=systemd" : std::string(h)));
    if (!systemd) out.push_back(RemountRo(dir, kNoSuidDevExec));
  }
  out.push_back(RemountRo(cg, kNoSuidDevExec));
}

void AddDev(const std::string& r, const PlanInput& in,
            std::vector<MountStep>& out) {
  const std::string dev = r + "/dev";
  out.push_back(Mkdir(dev));
  out.push_back(Mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC,
                      "mode=755,size=65536k"));
  // Bound, not made: a user namespace may not mknod, and a tmpfs mounted
  // in one cannot hold usable device nodes.
  for (const char* d : {"null", "zero", "full", "random", "urandom", "tty"}) {
    out.push_back({.kind = Kind::kFile, .target = dev + "/" + d});
    out.push_back(Bind(std::string("/dev/") + d, dev + "/" + d));
  }
  for (const auto& node : in.devnodes) {
    const std::string target = r + node;
    out.push_back(Mkdir(DirName(target)));
    out.push_back({.kind = Kind::kFile, .target = target});
    out.push_back(Bind(in.devnode_dir + node, target));
  }
  out.push_back(Mkdir(dev + "/pts"));
  out.push_back(Mount("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                      "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  out.push_back(
      {.kind = Kind::kSymlink, .source = "pts/ptmx", .target = dev + "/ptmx"});
  if (!in.console.empty()) {
    out.push_back({.kind = Kind::kFile, .target = dev + "/console"});
    out.push_back(Bind(in.console, dev + "/console"));
  }
  out.push_back(Mkdir(dev + "/shm"));
  out.push_back(Mount("tmpfs", dev + "/shm", "tmpfs", kNoSuidDevExec,
                      "mode=1777,size=65536k"));
  for (auto [name, to] :
       {std::pair{"fd", "/proc/self/fd"}, std::pair{"stdin", "/proc/self/fd/0"},
        std::pair{"stdout", "/proc/self/fd/1"},
        std::pair{"stderr", "/proc/self/fd/2"}}) {
    out.push_back(
        {.kind = Kind::kSymlink, .source = to, .target = dev + "/" + name});
  }
}

}  // namespace

const std::vector<std::string>& MaskedProcFiles() {
  static const std::vector<std::string> kFiles = {
      "kcore",      "kmsg",        "keys",          "latency_stats",
      "timer_list", "timer_stats", "sched_debug",   "kpagecount",
      "kpageflags", "kpagecgroup", "sysrq-trigger", "partitions",
      "diskstats"};
  return kFiles;
}

const std::vector<std::string>& MaskedProcDirs() {
  static const std::vector<std::string> kDirs = {"acpi", "scsi", "irq", "bus",
                                                 "fs"};
  return kDirs;
}

std::vector<MountStep> MountPlan(const PlanInput& in) {
  std::vector<MountStep> out;
  AddProc(in.rootfs, out);
  AddSys(in.rootfs, in.layout, out);
  AddDev(in.rootfs, in, out);
  for (const auto& b : in.bindmounts) {
    std::string dir = in.rootfs;
    for (const auto& part : SplitNonEmpty(b.target, '/')) {
      dir += "/" + part;
      out.push_back(Mkdir(dir));
    }
    out.push_back(Bind(b.source, in.rootfs + b.target));
    if (b.read_only) out.push_back(RemountRo(in.rootfs + b.target, 0));
  }
  // After /proc and /sys are in place; optional: a kernel without a file.
  if (!in.lxcfs.empty()) {
    for (const auto& f : in.lxcfs_files) {
      out.push_back(Bind(in.lxcfs + "/" + f, in.rootfs + "/" + f, true));
    }
  }
  return out;
}

std::string Describe(const MountStep& s) {
  switch (s.kind) {
    case Kind::kMkdir:
      return "create directory '" + s.target + "'";
    case Kind::kFile:
      return "create mount point '" + s.target + "'";
    case Kind::kSymlink:
      return "symlink '" + s.target + "' to '" + s.source + "'";
    case Kind::kMount:
      return "mount " + s.fstype + " on '" + s.target + "'";
    case Kind::kBind:
      return "bind '" + s.source + "' on '" + s.target + "'";
    case Kind::kRemountRo:
      return "make '" + s.target + "' read-only";
  }
  return "?";
}

namespace {

int RunStep(const MountStep& s) {
  switch (s.kind) {
    case Kind::kMkdir:
      return ::mkdir(s.target.c_str(), 0755) == 0 || errno == EEXIST ? 0 : -1;
    case Kind::kFile: {
      int fd = ::open(s.target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) return -1;
      ::close(fd);
      return 0;
    }
    case Kind::kSymlink:
      return ::symlink(s.source.c_str(), s.target.c_str()) == 0 ||
                     errno == EEXIST
                 ? 0
                 : -1;
    case Kind::kMount:
      return ::mount(s.source.c_str(), s.target.c_str(), s.fstype.c_str(),
                     s.flags, s.data.empty() ? nullptr : s.data.c_str());
    case Kind::kBind:
      return ::mount(s.source.c_str(), s.target.c_str(), nullptr,
                     MS_BIND | MS_REC, nullptr);
    case Kind::kRemountRo:
      return ::mount(nullptr, s.target.c_str(), nullptr,
                     MS_BIND | MS_REMOUNT | MS_RDONLY | s.flags, nullptr);
  }
  errno = EINVAL;
  return -1;
}

// Whether an optional step's `path` is there: false when it does not
// exist or sits on a dead FUSE mount; any other lookup error is `s`'s.
Result<bool> Present(const std::string& path, const MountStep& s) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTCONN) return false;
  return ErrnoError(errno, Describe(s));
}

}  // namespace

Status ApplyMountPlan(const std::vector<MountStep>& steps) {
  for (const auto& s : steps) {
    if (s.optional) {
      // Absent is skipped (a kernel without the file), and so is a dead
      // FUSE mount (lxcfs died just now: the monitor binds its files
      // again once it is back); any other failure (EACCES on the way to
      // an lxcfs file) is the step's error, not a view silently left out.
      const std::string& probe = s.kind == Kind::kBind ? s.source : s.target;
      VZ_ASSIGN_OR_RETURN(bool there, Present(probe, s));
      if (there && s.kind == Kind::kBind) {
        VZ_ASSIGN_OR_RETURN(there, Present(s.target, s));
      }
      if (!there) continue;
    }
    if (RunStep(s) != 0) return ErrnoError(errno, Describe(s));
  }
  return OkStatus();
}

}  // namespace vz::runtime::internal
