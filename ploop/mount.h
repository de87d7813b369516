// Mounting ploop images on an upstream kernel (DESIGN.md §3).
//
// Mount() starts one device server per image (ploop-server), attaches a
// loop device (direct I/O) to the server's `part` file and, given a mount
// point, mounts the filesystem inside. Umount() undoes all of it and
// leaves the image clean. What is mounted is recorded under the node root
// in /run/ploop/<id>/ (state, control socket, FUSE directory, server log),
// so `ploop list` and a later `ploop umount` find it, and a mount left by a
// dead server (a crash, a reboot with a persistent /run) is recognised and
// cleaned up by the next Mount() or Umount() of that image.
//
// All functions need root. Not thread-safe for the same image (callers
// hold the image's container lock, or are the ploop CLI).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/node_root.h"
#include "base/status.h"

namespace ploop {

struct MountOptions {
  bool read_only = false;
  std::string mount_point;  // empty: attach the device only
  std::string fs_type = "ext4";
  std::string fs_options;  // passed to mount(2)
  // The device server's transport: auto, on (FUSE over io_uring) or off
  // (/dev/fuse threads, what kernels before 6.14 use). "auto" takes
  // $VZ_PLOOP_URING when it is set: a node, or a test run, can try the
  // /dev/fuse path on a kernel that has io_uring.
  std::string uring = "auto";
  // Where the server keeps what the descriptor said, so that the next
  // mount of the unchanged image skips the XML (doc/ploop-format.md §9);
  // empty: none.
  std::string descriptor_memo;
  // Seconds a write waits for space when the image's host filesystem is
  // full, before it fails (the server's --nospace-wait); -1: the server's
  // default, 60.
  int nospace_wait_s = -1;
};

struct MountInfo {
  std::string descriptor;  // canonical path of DiskDescriptor.xml
  std::string state_dir;
  std::string fuse_dir;     // holds the server's `image` and `part` files
  std::string control;      // the server's control socket
  std::string device;       // /dev/loopN on `part`
  std::string mount_point;  // empty when only the device is attached
  pid_t pid = 0;            // the device server
  uint64_t pid_start = 0;   // its start time, to tell it from a reused pid
  bool read_only = false;
  bool alive = false;  // the server is running
};

// Errors: kNotFound (SYSEXIT_OPEN) for a missing descriptor;
// kAlreadyExists (SYSEXIT_EBUSY) if the image is mounted;
// kFailedPrecondition (SYSEXIT_MOUNT) if the mount point is in use;
// SYSEXIT_PLOOPINUSE after a crash that `ploop check -r` must repair
// first; the server's and the kernel's errors otherwise. On failure
// nothing is left behind.
vz::Result<MountInfo> Mount(const vz::NodeRoot& node,
                            const std::string& descriptor,
                            const MountOptions& options);

// `what` is a descriptor, a mount point or a loop device. Errors:
// kNotFound (SYSEXIT_DEV_NOT_MOUNTED) if nothing matches; kUnavailable
// (SYSEXIT_UMOUNT) when the mount point is busy (nothing is changed then).
vz::Status Umount(const vz::NodeRoot& node, const std::string& what);

vz::Result<std::vector<MountInfo>> ListMounts(const vz::NodeRoot& node);
// The mount of `what` (descriptor, mount point or device), if any.
vz::Result<std::optional<MountInfo>> FindMount(const vz::NodeRoot& node,
                                               const std::string& what);

// Whether `device` is mounted at `mount_point` (canonical, as MountInfo
// records it) in this mount namespace; reads the mount table. A recorded
// mount without it is one whose unmount could not release the device
// (something else holds the filesystem).
bool FilesystemMounted(const std::string& device,
                       const std::string& mount_point);

// The device server binary: $VZ_PLOOP_SERVER, else `ploop-server` beside
// the running program, else in PATH.
vz::Result<std::string> ServerBinary();

}  // namespace ploop
