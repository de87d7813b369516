// A node's pool of pregenerated SSH host keys.
//
// A container's SSH host keys are made at its first mount (identity.h).
// An RSA key takes 0.3-0.6 s of CPU, most of a Debian container's first
// start; ed25519 and ECDSA keys take milliseconds of CPU, but making them
// on the spot is one more program run on the start's path (10 ms here,
// 20-50 on a busy node). So the node keeps a few key pairs of each type
// that `ssh-keygen -A` makes (kTypes) ready in <root>/var/lib/vz/hostkeys
// (0700, keys 0600), made in the background at idle priority by `vztmpl
// hostkeys refill`. A first mount takes one pair of each type (each pair
// is handed out once: it is claimed by a rename in the pool before it is
// copied) and starts a refill; a type the pool has none of it makes
// itself, as before.
//
// Layout of the pool: <type>-<N>.key and <type>-<N>.key.pub; a pair is
// complete once its .key exists (written last, by rename). claimed-* and
// *.tmp files are left by a claim or refill that died midway and are
// removed by the next refill. A pool of RSA pairs only (older versions)
// still serves.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "libvz/node_config.h"

namespace vz::storage {

class HostKeyPool {
 public:
  explicit HostKeyPool(std::string dir) : dir_(std::move(dir)) {}
  static HostKeyPool ForNode(const NodeConfig& node);
  // How many pairs of each type a refill keeps ready.
  static constexpr int kTarget = 4;
  // The types `ssh-keygen -A` makes, the fast ones first.
  static constexpr std::array<std::string_view, 3> kTypes = {"ed25519", "ecdsa",
                                                             "rsa"};

  const std::string& dir() const { return dir_; }
  // Moves one pair of `type` into `ssh_dir` as ssh_host_<type>_key (0600)
  // and .pub (0644), never over an existing file or through a symlink.
  // False when the pool has none (or is missing). Errors: I/O.
  Result<bool> Take(std::string_view type, const std::string& ssh_dir) const;
  // Complete pairs of `type` in the pool.
  int Count(std::string_view type = "rsa") const;
  // Makes pairs with ssh-keygen until `target` of each type are ready. One
  // refill at a time: another one running makes this return at once.
  // `first`, when given, runs once the refill holds the lock, before any
  // pair is made (a first mount's refill waits there for the node's CPUs
  // to calm down).
  // Errors: I/O, ssh-keygen failing.
  Status Refill(int target = kTarget,
                const std::function<void()>& first = nullptr) const;

 private:
  std::string dir_;
};

// Starts `vztmpl --root ROOT hostkeys refill` detached (vztmpl beside this
// program, else from PATH); a missing vztmpl or ssh-keygen only logs.
void StartHostKeyRefill(const NodeConfig& node);

// Stops a refill running for this node (node teardown, tests): every job
// in the node's idle cgroup, where a refill runs (node_cgroups.h,
// EndIdleJobs: also one that has not taken the refill lock yet), and the
// cgroup removed; then a refill the lock still names, run outside that
// cgroup (the process group of the pid in the lock file, if that is a
// refill), waiting up to 2 s for the lock. Errors: as EndIdleJobs;
// kFailedPrecondition when the lock names some other process (nothing more
// is killed); kDeadlineExceeded. The idle cgroup is the prefix's: roots
// sharing a NODE_PREFIX share it, as they share their containers' names.
Status StopHostKeyRefill(const NodeConfig& node);

}  // namespace vz::storage
