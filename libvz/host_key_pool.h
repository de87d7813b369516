// A node's pool of pregenerated SSH RSA host keys.
//
// A container's SSH host keys are made at its first mount (identity.h).
// ed25519 and ECDSA keys take milliseconds; an RSA key takes 0.3-0.6 s of
// CPU, most of a Debian container's first start. So the node keeps a few
// RSA key pairs ready in <root>/var/lib/vz/hostkeys (0700, keys 0600),
// made in the background at idle priority by `vztmpl hostkeys refill`. A
// first mount takes one pair (each pair is handed out once: it is claimed
// by a rename in the pool before it is copied) and starts a refill; with
// the pool empty it makes the key itself, as before.
//
// Layout of the pool: rsa-<N>.key and rsa-<N>.key.pub; a pair is complete
// once its .key exists (written last, by rename). claimed-* and *.tmp
// files are left by a claim or refill that died midway and are removed by
// the next refill.
#pragma once

#include <string>

#include "base/status.h"
#include "libvz/node_config.h"

namespace vz::storage {

class HostKeyPool {
 public:
  explicit HostKeyPool(std::string dir) : dir_(std::move(dir)) {}
  static HostKeyPool ForNode(const NodeConfig& node);
  // How many pairs a refill keeps ready.
  static constexpr int kTarget = 4;

  const std::string& dir() const { return dir_; }
  // Moves one pair into `ssh_dir` as ssh_host_rsa_key (0600) and .pub
  // (0644), never over an existing file or through a symlink. False when
  // the pool is empty (or missing). Errors: I/O.
  Result<bool> TakeRsa(const std::string& ssh_dir) const;
  // Complete pairs in the pool.
  int Count() const;
  // Makes pairs with ssh-keygen until `target` are ready. One refill at a
  // time: another one running makes this return at once. Errors: I/O,
  // ssh-keygen failing.
  Status Refill(int target = kTarget) const;

 private:
  std::string dir_;
};

// Starts `vztmpl --root ROOT hostkeys refill` detached (vztmpl beside this
// program, else from PATH); a missing vztmpl or ssh-keygen only logs.
void StartHostKeyRefill(const NodeConfig& node);

// Stops a refill running for this node (node teardown, tests): the process
// group of the pid its lock file names, if that is a refill; waits up to
// 2 s for the lock. Errors: kFailedPrecondition when the lock names some
// other process (nothing is killed); kDeadlineExceeded.
Status StopHostKeyRefill(const NodeConfig& node);

}  // namespace vz::storage
