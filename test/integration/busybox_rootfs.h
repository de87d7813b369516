// A busybox root filesystem in a directory, for fast container tests:
// Debian's busybox-static with its applets as symlinks, busybox init with
// an inittab, and the directories an init expects.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/subprocess.h"

namespace vz::testing {

inline constexpr const char* kBusyboxBinary = "/bin/busybox";

// Fills `root` (which must exist). Errors: kNotFound without busybox.
inline Status MakeBusyboxRootfs(const std::string& root) {
  if (!PathExists(kBusyboxBinary)) {
    return NotFoundError("no /bin/busybox (install busybox-static)");
  }
  // The container's root (an unmapped ID) must reach its own root.
  ::chmod(root.c_str(), 0755);
  for (const char* d : {"bin", "sbin", "etc", "proc", "sys", "dev", "tmp",
                        "root", "run", "var", "usr/bin", "usr/sbin"}) {
    VZ_RETURN_IF_ERROR(MakeDirs(JoinPath(root, d)));
  }
  ::chmod(JoinPath(root, "tmp").c_str(), 01777);
  VZ_ASSIGN_OR_RETURN(auto data, ReadFile(kBusyboxBinary, 64 << 20));
  VZ_RETURN_IF_ERROR(WriteFileAtomic(root + "/bin/busybox", data, 0755));
  VZ_ASSIGN_OR_RETURN(auto list, RunChecked({kBusyboxBinary, "--list-full"}));
  for (const auto& applet : SplitNonEmpty(list.out, '\n')) {
    if (applet == "bin/busybox") continue;
    const std::string link = JoinPath(root, applet);
    (void)::symlink("/bin/busybox", link.c_str());
  }
  VZ_RETURN_IF_ERROR(WriteFileAtomic(root + "/etc/inittab",
                                     "::sysinit:/bin/true\n"
                                     "::respawn:/bin/sleep 1000000\n"
                                     "::ctrlaltdel:/sbin/reboot\n"
                                     "::shutdown:/bin/true\n"));
  VZ_RETURN_IF_ERROR(WriteFileAtomic(root + "/etc/hostname", "ct\n"));
  VZ_RETURN_IF_ERROR(
      WriteFileAtomic(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"));
  VZ_RETURN_IF_ERROR(WriteFileAtomic(root + "/etc/shadow",
                                     "root:*:19000:0:99999:7:::\n", 0640));
  return WriteFileAtomic(root + "/etc/group", "root:x:0:\ntty:x:5:\n");
}

}  // namespace vz::testing
