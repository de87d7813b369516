// Applying the policy (policy.h) to the calling process: the capability
// bounding set and the seccomp filter (seccomp_policy.h, built in).
#pragma once

#include <linux/filter.h>

#include <span>
#include <vector>

#include "base/status.h"

namespace vz::runtime::internal {

// /proc/sys/kernel/cap_last_cap, or CAP_LAST_CAP of our headers.
int LastCap();

// Drops every capability not in `keep` from the bounding set and clears
// the ambient set; an exec then gives root no more than `keep`.
Status DropBoundingSet(const std::vector<int>& keep);

// The container seccomp filter (seccomp_policy.h), compiled at build time
// and built into the program: nothing to compute at a start or an exec.
// Installs it on the calling thread, with no_new_privs as libseccomp's
// load did. Needs CAP_SYS_ADMIN in the current user namespace or
// no_new_privs. Only calls the kernel: safe after fork.
Status LoadSeccompFilter();
// The program (for the test that compares it with libseccomp's).
std::span<const sock_filter> SeccompProgram();

}  // namespace vz::runtime::internal
