#include "libvz/runtime/security.h"

#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>

#include <algorithm>
#include <charconv>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/runtime/policy.h"

namespace vz::runtime::internal {

int LastCap() {
  auto text = ReadFile("/proc/sys/kernel/cap_last_cap");
  if (text.has_value()) {
    auto t = Trim(*text);
    int v = 0;
    if (std::from_chars(t.data(), t.data() + t.size(), v).ec == std::errc()) {
      return v;
    }
  }
  return CAP_LAST_CAP;
}

Status DropBoundingSet(const std::vector<int>& keep) {
  const int last = LastCap();
  for (int c = 0; c <= last; ++c) {
    if (std::find(keep.begin(), keep.end(), c) != keep.end()) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) {
      return ErrnoError(errno, "drop capability " + std::to_string(c));
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return ErrnoError(errno, "clear ambient capabilities");
  }
  return OkStatus();
}

Result<SeccompFilter> SeccompFilter::Make() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return InternalError("seccomp_init failed");
  SeccompFilter filter(ctx);
  for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
    // An arch the native one cannot add (another host) is simply absent.
    int rc = seccomp_arch_add(ctx, arch);
    if (rc != 0 && rc != -EEXIST && rc != -EINVAL) {
      return ErrnoError(-rc, "seccomp: add arch");
    }
  }
  for (const auto& name : DeniedSyscalls()) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
    if (rc != 0 && rc != -EEXIST) {
      return ErrnoError(-rc, "seccomp: deny '" + name + "'");
    }
  }
  // Pushing input into a terminal the container was handed (vzctl exec
  // from an admin's shell) would type into the host.
  for (unsigned long request : {TIOCSTI, TIOCLINUX}) {
    int rc =
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                         SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, request));
    if (rc != 0) return ErrnoError(-rc, "seccomp: deny terminal injection");
  }
  return filter;
}

SeccompFilter::~SeccompFilter() {
  if (ctx_) seccomp_release(ctx_);
}

Status SeccompFilter::Load() const {
  int rc = seccomp_load(ctx_);
  if (rc != 0) return ErrnoError(-rc, "load seccomp filter");
  return OkStatus();
}

}  // namespace vz::runtime::internal
