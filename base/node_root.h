// The node-root seam.
//
// Every file path the project touches derives from one node root (default
// "/"; `--root DIR` or VZ_ROOT), so tests, benchmarks and several "nodes"
// live side by side on one machine. Kernel objects cannot move under a root,
// so their names carry the node prefix (vz.conf's NODE_PREFIX, default
// "vz"): cgroup subtrees, bridges, veths, nft tables.
//
// A value type; cheap to copy; thread-safe when not mutated.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace vz {

class NodeRoot {
 public:
  static constexpr std::string_view kDefaultPrefix = "vz";
  static constexpr size_t kMaxPrefixLength = 6;

  NodeRoot() = default;

  // `root` must be absolute; `prefix` as ValidatePrefix. Errors:
  // kInvalidArgument naming the bad value.
  static Result<NodeRoot> Make(
      std::string root, std::string prefix = std::string(kDefaultPrefix));
  // `flag_root` if non-empty, else $VZ_ROOT if set, else "/".
  static Result<NodeRoot> FromFlagOrEnv(std::string_view flag_root);

  // [a-z0-9]{1,6}: short enough that "<prefix>br0" and "<prefix>v<id>.<n>"
  // fit the 15-character interface name limit.
  static Status ValidatePrefix(std::string_view prefix);

  const std::string& root() const { return root_; }
  const std::string& prefix() const { return prefix_; }
  bool is_host_root() const { return root_ == "/"; }
  Status set_prefix(std::string prefix);

  // The node path `abs` ("/vz/private/101") under the root. `abs` must be
  // absolute; with root "/" it is returned unchanged.
  std::string Path(std::string_view abs) const;

 private:
  NodeRoot(std::string root, std::string prefix)
      : root_(std::move(root)), prefix_(std::move(prefix)) {}
  std::string root_ = "/";
  std::string prefix_ = std::string(kDefaultPrefix);
};

}  // namespace vz
