// Container identity: CTIDs, --name aliases, UUIDs (doc/config.md §4).
//
// A CTID is the canonical key of a container (config file, private area,
// lock, cgroup): a number (decimal, no leading zeros, 1..2147483647; 0 is
// the host) or a name of [A-Za-z0-9_-], 1..32 characters, not starting with
// '-'. A NAME is an alias with the same alphabet, usable wherever a CTID is.
// No CTID or name may equal another container's CTID or name.
//
// The functions that scan take the container config directory
// (<root>/etc/vz/conf, NodeConfig::conf_dir()); callers that add or rename
// containers hold the node names lock (libvz/lock.h) around check + write.
//
// Thread-safety: free functions; the scans read the file system.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/uuid.h"

namespace vz {

inline constexpr size_t kMaxCtidLength = 32;

// Errors: kInvalidArgument, exit 21 (VZ_INVALID_PARAMETER_VALUE), naming
// the value and the rule.
Status ValidateCtid(std::string_view ctid);
// As ValidateCtid, but exit 131 (VZ_SET_NAME_ERROR).
Status ValidateContainerName(std::string_view name);
bool IsNumericCtid(std::string_view ctid);

// A container known to the node: its CTID and its NAME ("" when none).
struct ContainerIdentity {
  std::string ctid;
  std::string name;
  // Why its config could not be read (ok when it could): its NAME is then
  // unknown. One broken config must not stop what concerns the others (a
  // host's boot, vzlist, a name lookup): callers go on and say so. What
  // must know every NAME (a new CTID or name) fails with it instead.
  Status problem;
};

// Every "<CTID>.conf" in `conf_dir` whose stem is a valid CTID (others, such
// as OpenVZ's 0.conf or the samples, are not containers), sorted by CTID;
// one that does not parse is listed with its `problem`. A missing
// directory is an empty node. Errors: I/O errors listing the directory.
Result<std::vector<ContainerIdentity>> ListContainers(
    const std::string& conf_dir);

// The CTID that `ctid_or_name` denotes: itself if "<it>.conf" exists, else
// the container whose NAME it is. Errors: kInvalidArgument (exit 21) for a
// malformed argument; kNotFound, exit 14 (VZ_NOVECONFIG), "container 'x'
// not found"; as ListContainers.
Result<std::string> ResolveContainer(const std::string& conf_dir,
                                     std::string_view ctid_or_name);

// Whether a new container may take `ctid` (and `name`, if given). Errors:
// invalid CTID (exit 21) or name (exit 131); kAlreadyExists with exit 44
// (VZ_FS_PRVT_AREA_EXIST) when the CTID is another container's CTID or
// name; kAlreadyExists with exit 131 (VZ_SET_NAME_ERROR) when the name is
// another container's CTID or name; as ListContainers.
Status CheckNewIdentity(const std::string& conf_dir, std::string_view ctid,
                        std::optional<std::string_view> name);

// Whether container `ctid` may take the name `name` (vzctl set --name):
// its own CTID is fine, another container's CTID or name is not. Errors: as
// CheckNewIdentity for the name.
Status CheckNameAvailable(const std::string& conf_dir, std::string_view ctid,
                          std::string_view name);

// A fresh random (version 4) RFC 4122 UUID for a new container.
// Errors: as Uuid::Generate.
inline Result<Uuid> NewContainerUuid() { return Uuid::Generate(); }

}  // namespace vz
