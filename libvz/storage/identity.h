// Per-container machine identity (DESIGN §4): templates ship without one,
// each container makes its own at its first mount.
#pragma once

#include <string>

#include "base/status.h"

namespace vz::storage {

// Under the mounted root `ve_root`: an empty or missing /etc/machine-id
// gets a fresh random ID; when /etc/ssh/sshd_config exists and there are
// no host keys, `ssh-keygen -A -f ve_root` makes them. Returns whether it
// made anything. Never follows symlinks out of `ve_root` (the container
// owns its files). Errors: I/O errors, ssh-keygen failing.
Result<bool> MakeIdentityIfNew(const std::string& ve_root);

// The files a template must not carry (identity cleanup at build time),
// relative to the root: SSH host keys, machine-id contents, random seeds.
Status CleanIdentity(const std::string& rootfs);

}  // namespace vz::storage
