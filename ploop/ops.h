// Image operations that work whether or not the image is mounted.
//
// On a mounted image they go through its device server (online: the
// filesystem keeps running); on an unmounted one they open the image
// themselves, mounting it privately where the filesystem must be touched.
// These are the calls libvz uses. All need root. Not thread-safe for one
// image (callers hold the container lock, or are the ploop CLI).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/node_root.h"
#include "base/status.h"
#include "base/uuid.h"
#include "ploop/snapshot.h"

namespace ploop {

struct OnlineSnapshot {
  vz::Uuid guid;
  bool online = false;
  uint64_t duration_us = 0;  // how long I/O was held (online)
};

// A snapshot; on a mounted image with a mounted filesystem, the filesystem
// is frozen (and so flushed) around it.
vz::Result<OnlineSnapshot> SnapshotImage(const vz::NodeRoot& node,
                                         const std::string& descriptor,
                                         const SnapshotParams& params);
vz::Result<SnapshotReport> DeleteImageSnapshot(const vz::NodeRoot& node,
                                               const std::string& descriptor,
                                               const vz::Uuid& guid);
// `guid` empty: the top into its parent; `all`: the whole chain into one.
vz::Result<SnapshotReport> MergeImageSnapshot(
    const vz::NodeRoot& node, const std::string& descriptor,
    const std::optional<vz::Uuid>& guid, bool all);
// Offline only. Errors: kFailedPrecondition (SYSEXIT_EBUSY) when mounted.
vz::Status SwitchImageSnapshot(const vz::NodeRoot& node,
                               const std::string& descriptor,
                               const vz::Uuid& guid);

struct FsResize {
  uint64_t old_bytes = 0, new_bytes = 0;
  bool online = false;
};

// Resizes the disk and the filesystem in it (`ploop resize`): a mounted
// image grows online (image, GPT partition, then resize2fs); an unmounted
// one grows or shrinks offline (shrink: e2fsck, resize2fs, partition, then
// the image). Errors: kFailedPrecondition (SYSEXIT_PARAM) to shrink a
// mounted image; SYSEXIT_RESIZE_FS / SYSEXIT_CHANGE_GPT / SYSEXIT_FSCK
// with the tool's complaint.
vz::Result<FsResize> ResizeImageWithFs(const vz::NodeRoot& node,
                                       const std::string& descriptor,
                                       uint64_t size_bytes);

struct CompactReport {
  uint64_t reclaimed_bytes = 0;
  uint64_t released_clusters = 0;        // wholly discarded, given back
  uint64_t moved_clusters = 0;           // moved into the holes
  uint64_t kept_shadowing_clusters = 0;  // discarded but over a lower delta
  uint64_t partly_discarded_clusters = 0;
};

// Gives back clusters the filesystem no longer uses (`ploop compact`):
// trims the filesystem so its discards reach the device server, which
// releases top-delta clusters discarded whole and mapped by no lower delta,
// moves the tail into the holes and truncates the file. An unmounted image
// is mounted privately for it.
vz::Result<CompactReport> CompactImage(const vz::NodeRoot& node,
                                       const std::string& descriptor);

struct IoLimits {
  std::optional<uint64_t> bytes_per_sec;  // 0: unlimited
  std::optional<uint64_t> ops_per_sec;    // 0: unlimited
  std::optional<uint32_t> priority;       // 0 (highest) .. 7
};

// Sets the I/O limits and priority of a mounted image's device server
// (`ploop iolimit` / `ploop ioprio`); unset fields are left as they are.
// Errors: kNotFound (SYSEXIT_DEV_NOT_MOUNTED) when the image is not
// mounted; the server's errors.
vz::Status SetIoLimits(const vz::NodeRoot& node, const std::string& descriptor,
                       const IoLimits& limits);

// The filesystem partition of a disk of `disk_bytes` as ploop lays it out:
// from 1 MiB to the last whole MiB before the backup GPT.
uint64_t PartitionBytesFor(uint64_t disk_bytes);

}  // namespace ploop
