// Applying the policy (policy.h) to the calling process: the capability
// bounding set and the seccomp filter. The filter is built before fork, so
// the forked child only loads it.
#pragma once

#include <seccomp.h>

#include <vector>

#include "base/status.h"

namespace vz::runtime::internal {

// /proc/sys/kernel/cap_last_cap, or CAP_LAST_CAP of our headers.
int LastCap();

// Drops every capability not in `keep` from the bounding set and clears
// the ambient set; an exec then gives root no more than `keep`.
Status DropBoundingSet(const std::vector<int>& keep);

// A seccomp filter denying DeniedSyscalls() with EPERM on the native, x86
// and x32 ABIs. Move-only.
class SeccompFilter {
 public:
  static Result<SeccompFilter> Make();
  SeccompFilter(SeccompFilter&& o) noexcept : ctx_(o.ctx_) { o.ctx_ = nullptr; }
  SeccompFilter& operator=(SeccompFilter&&) = delete;
  ~SeccompFilter();
  // Installs it on the calling thread (needs CAP_SYS_ADMIN in the current
  // user namespace, or no_new_privs).
  Status Load() const;

 private:
  explicit SeccompFilter(scmp_filter_ctx ctx) : ctx_(ctx) {}
  scmp_filter_ctx ctx_;
};

}  // namespace vz::runtime::internal
