// The container's filesystem as a list of mount steps (doc/runtime.md §1):
// a pure function of the spec, so unit tests pin what a container sees,
// and one executor that runs the steps inside the init's mount namespace
// before pivot_root.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/bindmount.h"
#include "libvz/cgroup.h"

namespace vz::runtime::internal {

struct MountStep {
  enum class Kind {
    kMkdir,      // target directory
    kFile,       // an empty file as a mount point
    kSymlink,    // target -> source
    kMount,      // mount(source, target, fstype, flags, data)
    kBind,       // bind source (a host path) on target; flags are MS_REC
    kRemountRo,  // make the mount at target read-only (flags are kept)
  };
  Kind kind = Kind::kMkdir;
  std::string source;
  std::string target;  // absolute, below the rootfs
  std::string fstype;
  unsigned long flags = 0;
  std::string data;
  // Skipped when the source (kBind) or target (kRemountRo) does not exist
  // (ENOENT): masked paths that this kernel may not have; or sits on a dead
  // FUSE mount (ENOTCONN: lxcfs, rebound by the monitor). Any other error
  // looking them up fails the step.
  bool optional = false;

  friend bool operator==(const MountStep&, const MountStep&) = default;
};

struct PlanInput {
  std::string rootfs;  // where the root is mounted in the init's namespace
  cgroup::Layout layout = cgroup::Layout::kV1;
  std::string console;                // host pty slave, or ""
  std::vector<std::string> devnodes;  // device paths bound into /dev
  std::string devnode_dir;            // their sources' directory, or ""
  // The node's lxcfs mount (libvz/lxcfs.h), whose files are bound over
  // /proc and /sys so the container sees its own resources; "" = none.
  std::string lxcfs;
  std::vector<std::string> lxcfs_files;  // relative paths, LxcfsFiles()
  std::vector<BindMount> bindmounts;     // host paths bound in (BINDMOUNT)
};

// Host files bound over /proc entries that would leak the host.
const std::vector<std::string>& MaskedProcFiles();
// /proc directories hidden under an empty read-only tmpfs.
const std::vector<std::string>& MaskedProcDirs();

std::vector<MountStep> MountPlan(const PlanInput& in);

// "mount proc on '/r/proc'": a step as error context and test output.
std::string Describe(const MountStep& step);

// Runs the steps in order. Errors: the first failing step, described, with
// its errno.
Status ApplyMountPlan(const std::vector<MountStep>& steps);

}  // namespace vz::runtime::internal
