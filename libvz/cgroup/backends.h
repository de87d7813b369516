// The two Cgroup implementations (libvz/cgroup.h).
#pragma once

#include <memory>
#include <string>

#include "libvz/cgroup.h"

namespace vz::cgroup::internal {

std::unique_ptr<Cgroup> OpenV1(const CgroupFs& fs, std::string path);
std::unique_ptr<Cgroup> OpenV2(const CgroupFs& fs, std::string path);

// Signals every pid of `cg` while it is frozen; with SIGKILL, repeats until
// the cgroup is empty (kDeadlineExceeded after a few seconds).
Status KillBySweeping(Cgroup& cg, int sig, bool fake);

}  // namespace vz::cgroup::internal
