// Snapshots of ploop images, with ploop's semantics
// (../shared/reference/openvz.md §1.4, doc/ploop-format.md).
//
// A snapshot freezes the current top delta under a snapshot GUID and puts a
// new, empty delta on top (GUID {5fbaabe3-...}, TopDeltaGuid()). The
// descriptor's Shot entries form a tree; the chain from the top down to the
// base is the disk. Switch drops the top and starts a new one on another
// snapshot (the tree branches); merge copies a child delta into its parent,
// which then carries the child's GUID; delete removes a leaf or merges a
// snapshot into its only child.
//
// Each operation comes twice: on an open, exclusively locked Image (so the
// device server can run it on a mounted image once I/O is quiesced), and as
// a wrapper that opens the image by its descriptor path and closes it.
//
// Crash safety: new delta files are written and synced first, the
// descriptor is replaced atomically, old files are removed last; merged
// data goes only where the deltas above shadow it. A crash at any point
// leaves an image that opens and reads as before or after the operation
// (at worst a stray file is left over).
//
// Shared deltas (hard-linked template bases) are never written: a merge into
// one copies it up to a private file first and says so in the report.
//
// Errors (exit codes in parentheses, doc/errors.md): kNotFound (43
// SYSEXIT_NOSNAP) for an unknown snapshot; kFailedPrecondition (38
// SYSEXIT_PARAM) for an operation the tree forbids (delete the top, merge
// the base, a parent with several children) or a read-only image;
// kInvalidArgument (38) for a bad GUID; kUnavailable (18) when another
// process holds the image; I/O and format errors of the deltas.
//
// Thread-safety: operations on one Image must not run concurrently with each
// other or with I/O on it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/uuid.h"
#include "ploop/disk_descriptor.h"
#include "ploop/image.h"

namespace ploop {

struct SnapshotParams {
  std::optional<vz::Uuid> guid;  // the snapshot's GUID; default: a fresh one
  std::string name;              // optional labels kept in the descriptor
  std::string description;
  // PushTopDelta only: the new top starts with the cluster that holds the
  // filesystem's first 4 KiB (its superblock, which every read-write mount
  // writes) copied up from below, durable. The first mount then neither
  // copies that cluster nor waits for the copy in the flush that makes its
  // superblock write durable; the copy's sync is the one the new delta
  // gets anyway.
  bool copy_up_fs_start = false;
};

// What an operation did beyond its plain result, for the CLI to print:
// "copied shared delta '...' up to a private file", ...
struct SnapshotReport {
  std::vector<std::string> notes;
};

// Freezes the current top under a snapshot GUID and pushes a new empty top
// delta `<base>.{fresh-guid}`. Afterwards image.stack() has the new top
// pushed (in use) and the old one closed cleanly (MarkClean). Returns the
// snapshot's GUID.
vz::Result<vz::Uuid> CreateSnapshot(Image& image, const SnapshotParams& params);
vz::Result<vz::Uuid> CreateSnapshot(const std::string& descriptor_path,
                                    const SnapshotParams& params);

// As CreateSnapshot, but the current top is only read, never written: it
// may be shared (a template's base hard-linked into a new container). The
// image is opened read-only (a shared lock), so the caller must make sure
// no one else uses it meanwhile (libvz holds the container's lock).
vz::Result<vz::Uuid> PushTopDelta(const std::string& descriptor_path,
                                  const SnapshotParams& params);

// One row of `snapshot-list`.
struct SnapshotEntry {
  vz::Uuid guid;
  vz::Uuid parent;
  std::string file;      // path of the delta file
  bool current = false;  // the top delta
  bool temporary = false;
  std::string name;
  std::string description;
};

// Every snapshot in descriptor order or, with `from`, the chain from `from`
// down to the base. `dir` is the descriptor's directory.
vz::Result<std::vector<SnapshotEntry>> ListSnapshots(
    const DiskDescriptor& dd, const std::string& dir,
    const std::optional<vz::Uuid>& from = std::nullopt);
// Reads the descriptor (no lock: it is always replaced atomically).
vz::Result<std::vector<SnapshotEntry>> ListSnapshots(
    const std::string& descriptor_path,
    const std::optional<vz::Uuid>& from = std::nullopt);

// Drops the current top delta and puts a new empty top on snapshot `guid`,
// sized as that snapshot's delta. Offline only (the wrapper; the device
// server never calls it). The old top's data is gone.
vz::Status SwitchSnapshot(Image& image, const vz::Uuid& guid);
vz::Status SwitchSnapshot(const std::string& descriptor_path,
                          const vz::Uuid& guid);

// Deletes snapshot `guid`: refused for the top delta and for a snapshot
// with several children; a leaf's file is removed; a snapshot with one
// child is merged with it (the result keeps the child's GUID).
vz::Result<SnapshotReport> DeleteSnapshot(Image& image, const vz::Uuid& guid);
vz::Result<SnapshotReport> DeleteSnapshot(const std::string& descriptor_path,
                                          const vz::Uuid& guid);

// Merges delta `child` (default: the top) into its parent; the merged delta
// keeps the child's GUID, the child's children stay its children. Refused
// for the base and when the parent has other children.
vz::Result<SnapshotReport> MergeSnapshot(
    Image& image, const std::optional<vz::Uuid>& child = std::nullopt);
vz::Result<SnapshotReport> MergeSnapshot(
    const std::string& descriptor_path,
    const std::optional<vz::Uuid>& child = std::nullopt);

// Merges the current chain down to one delta, the base file carrying the
// top's GUID (`snapshot-merge -A`). Refused when a delta of the chain has
// children outside it.
vz::Result<SnapshotReport> MergeAllSnapshots(Image& image);
vz::Result<SnapshotReport> MergeAllSnapshots(
    const std::string& descriptor_path);

}  // namespace ploop
