// User-namespace ID ranges of unprivileged containers (DESIGN §5,
// doc/runtime.md §3).
//
// Each unprivileged container owns 65536 host UIDs and as many GIDs,
// allocated from the node range in vz.conf (USERNS_ID_BASE/COUNT, see
// NodeConfig) at slots that never overlap another container's, and kept in
// its config as LOCAL_UID / LOCAL_GID (OpenVZ's legacy userns keys: the
// host ID that the container's 0 maps to). USERNS="no" makes a privileged
// container: no user namespace, no range.
//
// Thread-safety: free functions. EnsureIdRange takes the node's names
// lock, so concurrent allocations on one node never pick the same slot.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/node_config.h"
#include "libvz/ve_config.h"

namespace vz {

struct IdRange {
  uint64_t uid = 0;  // host UID of the container's 0
  uint64_t gid = 0;  // host GID of the container's 0
  uint64_t count = NodeConfig::kIdsPerContainer;
  // "0 <uid> <count>\n", the line for /proc/PID/uid_map (and gid_map).
  std::string UidMap() const;
  std::string GidMap() const;
  friend bool operator==(const IdRange&, const IdRange&) = default;
};

// Whether `config` asks for a privileged container (USERNS="no"). Errors:
// kInvalidArgument (exit 21) for a USERNS other than yes/no.
Result<bool> IsPrivileged(const VeConfig& config);

// LOCAL_UID/LOCAL_GID of `config`, or nullopt when unset. Errors: exit 21
// for a non-number or only one of the two set.
Result<std::optional<IdRange>> ReadIdRange(const VeConfig& config);

// The lowest slot of `count` IDs in [base, base + total) that overlaps none
// of `used` (slots are aligned to `count` from `base`). Errors:
// kResourceExhausted, exit 6 (VZ_RESOURCE_ERROR), "no free ID range".
Result<IdRange> PickFreeRange(uint64_t base, uint64_t total, uint64_t count,
                              const std::vector<IdRange>& used);

// The ranges recorded in every container config on the node but
// `except_ctid`'s.
Result<std::vector<IdRange>> UsedIdRanges(const NodeConfig& node,
                                          const std::string& except_ctid);

// The container's range: the recorded one, or a newly allocated one set in
// `config` (the caller saves it) and also written to its file on disk, so
// the next allocation sees it. nullopt for a privileged container. Errors:
// as IsPrivileged, ReadIdRange, PickFreeRange; the names lock (exit 9).
Result<std::optional<IdRange>> EnsureIdRange(const NodeConfig& node,
                                             VeConfig& config);

}  // namespace vz
