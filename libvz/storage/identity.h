// Per-container machine identity (DESIGN §4): templates ship without one,
// each container makes its own at its first mount.
#pragma once

#include <string>

#include "base/status.h"
#include "libvz/host_key_pool.h"

namespace vz::storage {

struct IdentityMade {
  bool any = false;        // machine-id or host keys made
  bool host_keys = false;  // SSH host keys made (the pool may want a refill)
};

// Under the mounted root `ve_root`: an empty or missing /etc/machine-id
// gets a fresh random ID; when /etc/ssh/sshd_config exists and there are
// no host keys, a pair of each type comes from `pool` when it has one
// (host_key_pool.h) and `ssh-keygen -A -f ve_root` makes the rest, run
// only when something is left to make. Never
// follows symlinks out of `ve_root` (the container owns its files).
// Errors: I/O errors, ssh-keygen failing.
Result<IdentityMade> MakeIdentityIfNew(const std::string& ve_root,
                                       const HostKeyPool* pool = nullptr);

// The files a template must not carry (identity cleanup at build time),
// relative to the root: SSH host keys, machine-id contents, random seeds.
Status CleanIdentity(const std::string& rootfs);

}  // namespace vz::storage
