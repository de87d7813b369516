// `vzctl set`: a container's parameters changed as a whole, applied live
// where the kernel allows, and saved with --save (doc/vzctl.md, "set").
//
// The caller gives the config keys to change, already validated and in
// canonical form (the CLI parses the options). ApplySet works on the
// difference between the old and the new config: on a running container
// resources go to its cgroup, I/O limits to its device server, DISKSPACE
// grows the mounted disk online; keys the runtime reads at start
// (CAPABILITY, FEATURES, DEVNODES, DEVICES, BINDMOUNT, ...) take effect at
// the next start, and the report says so. When a live change fails, what
// was applied is put back and the config is left untouched.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "libvz/network.h"
#include "libvz/node_config.h"

namespace vz {

struct SetChange {
  std::string key;
  std::optional<std::string> value;  // nullopt: remove the key
};

struct SetOptions {
  bool save = false;
  std::string applyconfig;         // a sample whose parameters are copied first
  std::vector<NetEdit> net_edits;  // --ipadd, --netif_add, ... in order
  // --userpasswd user:password: set inside the running container, never
  // saved. Errors: not running (31).
  std::vector<std::string> userpasswd;
  // --bindmount_add SRC:DST[:ro] / --bindmount_del DST|all (BINDMOUNT).
  std::vector<std::string> bindmount_add, bindmount_del;
};

struct SetReport {
  bool running = false;
  bool saved = false;
  std::vector<std::string> notes;     // one line each, for the CLI
  std::vector<std::string> warnings;  // the same, for its stderr
};

// Holds the container's lock (and the names lock for NAME) while it runs.
// Errors: unknown container (14); an invalid value in the result (21, 70,
// 131, ...); a live change the kernel refuses (1, 154, ...), naming it;
// I/O errors.
Result<SetReport> ApplySet(const NodeConfig& node, const std::string& ctid,
                           const std::vector<SetChange>& changes,
                           const SetOptions& options);

// Keys a sample may not carry into a container (identity, paths, network).
bool IsPerContainerKey(std::string_view key);

}  // namespace vz
