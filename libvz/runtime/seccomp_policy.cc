#include "libvz/runtime/seccomp_policy.h"

#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <memory>

#include "base/unique_fd.h"

namespace vz::runtime::internal {
namespace {

using Context =
    std::unique_ptr<void, decltype([](void* c) { seccomp_release(c); })>;

Status Rules(scmp_filter_ctx ctx) {
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
  return OkStatus();
}

}  // namespace

const std::vector<std::string>& DeniedSyscalls() {
  // Kernel-global state a namespace does not contain.
  static const std::vector<std::string> kDenied = {"init_module",
                                                   "finit_module",
                                                   "delete_module",
                                                   "create_module",
                                                   "kexec_load",
                                                   "kexec_file_load",
                                                   "open_by_handle_at",
                                                   "name_to_handle_at",
                                                   "iopl",
                                                   "ioperm",
                                                   "swapon",
                                                   "swapoff",
                                                   "syslog",
                                                   "acct",
                                                   "lookup_dcookie",
                                                   "perf_event_open",
                                                   "bpf",
                                                   "add_key",
                                                   "request_key",
                                                   "keyctl",
                                                   "uselib",
                                                   "vm86",
                                                   "vm86old",
                                                   "nfsservctl",
                                                   "get_kernel_syms",
                                                   "query_module",
                                                   "quotactl",
                                                   "settimeofday",
                                                   "clock_settime",
                                                   "clock_adjtime",
                                                   "adjtimex",
                                                   "stime"};
  return kDenied;
}

Result<std::vector<sock_filter>> CompileSeccompFilter() {
  Context ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return InternalError("seccomp_init failed");
  VZ_RETURN_IF_ERROR(Rules(ctx.get()));
  // libseccomp 2.5 exports to a file descriptor only.
  UniqueFd mem(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (!mem) return ErrnoError(errno, "memfd_create");
  if (int rc = seccomp_export_bpf(ctx.get(), mem.get()); rc != 0) {
    return ErrnoError(-rc, "seccomp: compile the filter");
  }
  const off_t bytes = ::lseek(mem.get(), 0, SEEK_CUR);
  if (bytes <= 0 || bytes % sizeof(sock_filter) != 0) {
    return InternalError("seccomp: the compiled filter has " +
                         std::to_string(bytes) + " bytes");
  }
  std::vector<sock_filter> program(static_cast<size_t>(bytes) /
                                   sizeof(sock_filter));
  if (::pread(mem.get(), program.data(), static_cast<size_t>(bytes), 0) !=
      bytes) {
    return ErrnoError(errno, "seccomp: read the compiled filter");
  }
  return program;
}

}  // namespace vz::runtime::internal
