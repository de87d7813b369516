// Container storage (doc/storage.md): creating a container from an OS
// template in O(1), mounting its disk at VE_ROOT, reporting what it holds,
// destroying it.
//
// A container's disk is a ploop image in VE_PRIVATE/root.hdd whose lowest
// delta is the template's root.hds hard-linked in (same inode, zero bytes
// copied; a copy when the template store is on another filesystem, and the
// report says so), with a fresh top delta above it. The disk is grown (or
// shrunk) to DISKSPACE at its first mount, so create does not depend on the
// template's size. Machine identity (machine-id, SSH host keys) is made
// fresh for each container at its first mount.
//
// Locking: CreateContainer and DestroyContainer take the node names lock and
// the container's lock themselves; the other calls expect the caller to
// hold the container's lock (libvz/lock.h), so that a start can mount and
// run under one lock.
//
// All calls need root (loop devices, mounts). Exit codes: doc/errors.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/uuid.h"
#include "libvz/node_config.h"
#include "libvz/ve_config.h"

namespace vz {

struct CreateSpec {
  std::string ctid;
  std::string ostemplate;              // empty: vz.conf's DEF_OSTEMPLATE
  std::string sample;                  // empty: vz.conf's CONFIGFILE
  std::optional<DiskLimit> diskspace;  // empty: the sample's, else 10G
  std::optional<DiskLimit> diskinodes;
  std::optional<std::string> hostname;
  std::optional<std::string> name;
  std::optional<std::string> tenant;
  std::optional<bool> userns;  // false: a privileged container (USERNS=no)
  bool allow_unsigned = false;
};

struct CreateReport {
  std::string ctid;
  Uuid uuid;
  std::string ostemplate;
  std::string private_dir;
  bool copied = false;          // the base delta was copied, not linked
  std::string unsigned_reason;  // non-empty: let through by allow_unsigned
  std::vector<std::string> notes;
};

// Creates container `spec.ctid`: checks the CTID and name are free,
// verifies the template (seal, signature, trust; re-hashes only when the
// seal does not match), writes the config from the sample and the private
// area from the template. On any failure nothing is left behind: no
// config, no private area, the template's seal as it was. Errors:
// CTID/name taken (44/131); unknown template (91); a template that fails
// verification (47); bad values (21); a sample that is missing or broken
// (109/85); a diskspace below what the template's files take (21); I/O
// errors with ENOSPC as exit 46 (VZ_FS_NO_DISKSPACE).
Result<CreateReport> CreateContainer(const NodeConfig& node,
                                     const CreateSpec& spec);

// Destroys container `ctid`: unmounts its disk if mounted, removes its
// private area, its mount point and its config, and reseals the template
// (unlinking changed its ctime). Refuses a running container: the caller
// (vzctl destroy) stops it first or checks. Errors: unknown CTID (14);
// unmount failures (51); I/O errors (52).
Status DestroyContainer(const NodeConfig& node, std::string_view ctid);

struct StorageMount {
  std::string ve_root;
  std::string device;          // the loop device
  bool grew = false;           // the disk was resized to DISKSPACE first
  bool identity_made = false;  // first mount: machine identity made
};

// Mounts the container's disk at VE_ROOT (creating the directory). Resizes
// the disk to DISKSPACE first when they differ, and makes the machine
// identity at the first mount. Errors: kAlreadyExists, exit 41
// (VZ_FS_MOUNTED), when mounted; no private area (43); ploop's errors as
// exit 50 (VZ_FS_CANTMOUNT) with ploop's message.
Result<StorageMount> MountContainer(const NodeConfig& node, const VeConfig& ve);

// Whether MountContainer will resize the disk first (it differs from
// DISKSPACE). The resize mounts the disk for a moment (e2fsck, resize2fs):
// a mount namespace cloned meanwhile (a container's init) would hold that
// mount, and its device server, until it lets go of the host's mounts.
Result<bool> MountWillResize(const NodeConfig& node, const VeConfig& ve);

// Resizes the disk of a stopped container to the DISKSPACE of `ve` now,
// when it is not mounted and differs (`vzctl set --diskspace --save`): a
// shrink below what its filesystem holds fails here, before the config is
// saved, instead of failing the next start. A mounted disk is left to its
// next mount. Returns whether it resized. Errors: exit 154
// (VZ_RESIZE_IMAGE) with ploop's or resize2fs's message.
Result<bool> ResizeStoppedDisk(const NodeConfig& node, const VeConfig& ve);

// Unmounts VE_ROOT, detaches the disk and stops its device server.
// Errors: kFailedPrecondition, exit 40 (VZ_FS_NOT_MOUNTED), when not
// mounted; busy mount point: exit 51 (VZ_FS_CANTUMOUNT), nothing changed.
Status UmountContainer(const NodeConfig& node, const VeConfig& ve);

struct StorageState {
  bool exists = false;      // config and private area
  bool mounted = false;     // the disk is mounted at VE_ROOT (as recorded)
  std::string mount_point;  // the recorded one (canonical) when mounted
  bool server_alive = false;
  std::string ve_root;
  std::string ve_private;
  std::string device;
};

// What is on disk for `ctid` (no lock needed; a snapshot in time). A
// missing config is exists=false, not an error.
Result<StorageState> GetStorageState(const NodeConfig& node,
                                     std::string_view ctid);

// Whether a disk recorded as mounted (`st`) has lost its filesystem at
// VE_ROOT: a stop unmounted it and could not release the device, because
// something else still holds the filesystem (a mount namespace made while
// the container ran keeps a copy of its mount). Reads the mount table, so
// it is for a start, not for periodic checks.
bool DiskStranded(const StorageState& st);

struct DiskUsage {
  uint64_t logical_bytes = 0;   // the disk's virtual size
  uint64_t own_bytes = 0;       // clusters only this container holds
  uint64_t shared_bytes = 0;    // clusters in deltas linked from elsewhere
  uint64_t physical_bytes = 0;  // file bytes of deltas only it holds
  std::string ostemplate;
};

// `vzctl du`: the container's disk by who holds the bytes. A delta with
// more than one link (the template's base) counts as shared.
Result<DiskUsage> ContainerDiskUsage(const NodeConfig& node,
                                     const VeConfig& ve);

// IOLIMIT (bytes/s), IOPSLIMIT (ops/s), IOPRIO (0..7, default 4) of the
// config, given to the mounted disk's device server; MountContainer does
// it at every mount. Errors: a bad value (21), naming the key; not mounted.
Status ApplyIoLimits(const NodeConfig& node, const VeConfig& ve);
Status ValidateIoLimits(const VeConfig& ve);

// The descriptor of the container's disk: VE_PRIVATE/root.hdd/
// DiskDescriptor.xml.
Result<std::string> DiskDescriptorOf(const NodeConfig& node,
                                     const VeConfig& ve);

}  // namespace vz
