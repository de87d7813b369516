// Loop devices on the device server's files (DESIGN.md §3: FUSE + loop).
// Real kernel objects: these functions need root.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "base/unique_fd.h"

namespace ploop {

struct LoopAttach {
  bool read_only = false;
  bool direct_io = true;   // no page cache between the loop and the server
  bool autoclear = false;  // detach itself when the last user closes it
  uint32_t block_size = 4096;
};

struct AttachedLoop {
  std::string device;  // "/dev/loopN"
  // Held open until the caller has its own user of the device (a mount):
  // an autoclear device detaches itself when its last opener closes.
  vz::UniqueFd fd;
};

// Attaches a free loop device to `file`. Errors: kUnavailable when no
// device can be had, the kernel's otherwise.
vz::Result<AttachedLoop> AttachLoop(const std::string& file,
                                    const LoopAttach& options);
// Detaches `device`; a device that is already free is fine.
vz::Status DetachLoop(const std::string& device);
// The file `device` is attached to, or "" when it is free.
std::string LoopBackingFile(const std::string& device);
// Makes the device see a new size of its file (after a resize).
vz::Status RefreshLoopCapacity(const std::string& device);
// Waits up to `ms` for `device` to become free (autoclear is asynchronous).
bool WaitLoopFree(const std::string& device, int ms);

}  // namespace ploop
