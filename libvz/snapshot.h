// Container snapshots (doc/snapshots.md): a ploop snapshot of the
// container's disk plus a copy of its config, recorded in
// VE_PRIVATE/Snapshots.xml as OpenVZ does. A snapshot of a mounted disk is
// online: the filesystem is frozen (and so flushed) around the switch of
// delta. Memory state is not saved: CRIU does not work on this kernel.
//
// The caller holds the container's lock (libvz/lock.h). All need root.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/uuid.h"
#include "libvz/node_config.h"
#include "libvz/ve_config.h"

namespace vz {

struct ContainerSnapshot {
  Uuid id;
  Uuid parent;           // nil: the first snapshot
  bool current = false;  // the container's disk now grows from this one
  std::string name;
  std::string description;
  std::chrono::system_clock::time_point created;
  bool online = false;  // taken while mounted (set by Create only)
};

// "YYYY-MM-DD HH:MM:SS" (UTC) of `s.created`, as OpenVZ shows it.
std::string SnapshotDate(const ContainerSnapshot& s);

struct SnapshotSpec {
  std::optional<Uuid> id;  // default: a fresh one
  std::string name;
  std::string description;
  bool skip_config = false;  // do not keep a copy of the config
};

// Snapshots in Snapshots.xml, parents before children.
Result<std::vector<ContainerSnapshot>> ListContainerSnapshots(
    const NodeConfig& node, const VeConfig& ve);

// Errors: an id already used (21); ploop's errors as exit 156
// (VZ_CREATE_SNAPSHOT). On failure the disk is as before.
Result<ContainerSnapshot> CreateContainerSnapshot(const NodeConfig& node,
                                                  const VeConfig& ve,
                                                  const SnapshotSpec& spec);

// Makes `id` the base of a fresh top delta (what was written since is
// dropped) and restores the config kept with it unless `skip_config`. The
// container must be stopped and unmounted. Errors: unknown id (kNotFound,
// exit 21); mounted (exit 41); ploop's errors (exit 156).
Status SwitchContainerSnapshot(const NodeConfig& node, const VeConfig& ve,
                               const Uuid& id, bool skip_config);

// Deletes snapshot `id`, merging its data into its child as ploop does.
// Errors: unknown id (21); the snapshot is mounted (snapshot-mount) (41);
// ploop's errors as exit 158 (VZ_DELETE_SNAPSHOT).
Status DeleteContainerSnapshot(const NodeConfig& node, const VeConfig& ve,
                               const Uuid& id);

// Mounts snapshot `id` read-only at `target` (created when missing).
// Errors: unknown id (21); already mounted (41); ploop's errors (exit 50).
Status MountContainerSnapshot(const NodeConfig& node, const VeConfig& ve,
                              const Uuid& id, const std::string& target);
// Errors: not mounted (40); busy (51).
Status UmountContainerSnapshot(const NodeConfig& node, const VeConfig& ve,
                               const Uuid& id);

}  // namespace vz
