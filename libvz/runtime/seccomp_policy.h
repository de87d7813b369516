// The seccomp filter every container's processes run under, as libseccomp
// compiles it. Built into a program at build time (doc/adr/0008): the
// generator `vz_seccomp_gen` writes CompileSeccompFilter()'s program into
// the sources of security.cc, which loads it with no library at run time.
// Building the rules and compiling them took 0.25-0.4 ms of CPU at every
// container start and every exec, on their critical path.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "base/status.h"

namespace vz::runtime::internal {

// Syscalls the seccomp filter fails with EPERM, on every ABI of the host:
// kernel-global state a namespace does not contain.
const std::vector<std::string>& DeniedSyscalls();

// The filter as BPF: DeniedSyscalls() and the ioctls that push input into
// a terminal (TIOCSTI, TIOCLINUX) fail with EPERM on the native, x86 and
// x32 ABIs; everything else is allowed; a syscall of another ABI kills
// (libseccomp's default). Errors: libseccomp's, with its errno.
Result<std::vector<sock_filter>> CompileSeccompFilter();

}  // namespace vz::runtime::internal
