// Host directories bound into a container (OpenVZ's BINDMOUNT key,
// `vzctl set --bindmount_add SRC:DST[:ro]` / `--bindmount_del DST|all`),
// mounted by the runtime at start (doc/runtime.md §1).
//
// BINDMOUNT is a space-separated list of "SRC:DST[:ro]": SRC an absolute
// host path, DST an absolute path inside the container, neither with "..",
// blanks or ':'. Files an unprivileged container sees there keep their host
// owners (unmapped IDs show as nobody inside).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vz {

struct BindMount {
  std::string source;
  std::string target;
  bool read_only = false;
  friend bool operator==(const BindMount&, const BindMount&) = default;
};

// Errors: kInvalidArgument, exit 21, naming the entry.
Result<std::vector<BindMount>> ParseBindMounts(std::string_view text);
std::string FormatBindMounts(const std::vector<BindMount>& mounts);

// Errors: a bad entry (21); a target already bound (21).
Status AddBindMount(std::vector<BindMount>& mounts, std::string_view spec);
// Errors: no such target (21).
Status DelBindMount(std::vector<BindMount>& mounts, std::string_view target);

// Whether `b`'s source is a directory on this host now: checked when an
// entry is added (set) and at every start. Errors: kInvalidArgument, 21.
Status CheckBindSource(const BindMount& b);

}  // namespace vz
