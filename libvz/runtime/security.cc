#include "libvz/runtime/security.h"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

namespace {

// From the build's vz_seccomp_gen (seccomp_policy.cc).
constexpr sock_filter kSeccompProgram[] = {
#include "libvz/runtime/seccomp_filter.inc"
};

}  // namespace

std::span<const sock_filter> SeccompProgram() { return kSeccompProgram; }

Status LoadSeccompFilter() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return ErrnoError(errno, "set no_new_privs for the seccomp filter");
  }
  sock_fprog prog{
      .len = static_cast<unsigned short>(std::size(kSeccompProgram)),
      .filter = const_cast<sock_filter*>(kSeccompProgram)};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    return ErrnoError(errno, "load seccomp filter");
  }
  return OkStatus();
}

}  // namespace vz::runtime::internal
