// Delta: one delta file of an image, expanded (ploop1) or raw.
//
// An expanded delta keeps its header and BAT in memory. Lookup() is
// lock-free and may run concurrently with Map(), AllocateCluster() and
// Sync() (BAT entries are atomics); everything that changes metadata is
// serialised by an internal mutex. Reads and writes of data go straight to
// fd() with pread/pwrite (or io_uring in the device server).
//
// Durability (doc/ploop-format.md §1.3): Map() only changes memory; Sync()
// makes data durable (fdatasync), then writes the changed BAT blocks, then
// fdatasyncs again. A crash before Sync() leaks clusters, never corrupts.
//
// Shared deltas (more than one hard link, or the user.ploop.shared xattr)
// refuse to open for writing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "ploop/lib/header.h"

namespace ploop {

enum class DeltaKind { kExpanded, kRaw };

// Lookup()'s answer for a cluster the delta does not map.
inline constexpr uint64_t kUnmapped = ~uint64_t{0};

struct DeltaOpenOptions {
  bool writable = false;
  // O_DIRECT: the device server's data path. Reads then go through a
  // second, buffered descriptor (read_fd()).
  bool direct_io = false;
  // Open for writing despite a set in-use flag (check, repair, mount after
  // a crash). Readers never care about the flag.
  bool allow_in_use = false;
  // Load the BAT without validating entries (check and repair only).
  bool skip_bat_validation = false;
  // Open a shared delta for writing anyway: only for copy-up targets that
  // the caller just made private. Never set for user-facing operations.
  bool ignore_shared = false;
  // For raw deltas: the cluster size to map them with.
  uint32_t raw_cluster_sectors = kDefaultClusterSectors;
};

class Delta {
 public:
  ~Delta();
  Delta(const Delta&) = delete;
  Delta& operator=(const Delta&) = delete;

  // Opens `path`. kind kExpanded parses and validates header and BAT.
  // Errors: kNotFound (SYSEXIT_OPEN) when missing; kDataLoss
  // (SYSEXIT_PLOOPFMT) on corruption: bad header, BAT past the end of the
  // file, a cluster mapped twice; kFailedPrecondition (SYSEXIT_PLOOPINUSE)
  // for a set in-use flag unless allowed; kFailedPrecondition for writing a
  // shared delta.
  static vz::Result<std::unique_ptr<Delta>> Open(
      const std::string& path, DeltaKind kind, const DeltaOpenOptions& options);

  // Creates a new, empty expanded delta (O_EXCL) of `size_bytes`, durable
  // (file and directory synced), and opens it writable.
  static vz::Result<std::unique_ptr<Delta>> CreateExpanded(
      const std::string& path, uint64_t size_bytes, uint32_t cluster_sectors,
      Version version);
  // Creates a raw delta of `size_bytes`, allocated (never sparse).
  static vz::Result<std::unique_ptr<Delta>> CreateRaw(const std::string& path,
                                                      uint64_t size_bytes,
                                                      uint32_t cluster_sectors);

  const std::string& path() const { return path_; }
  DeltaKind kind() const { return kind_; }
  bool writable() const { return writable_; }
  int fd() const { return fd_.get(); }
  // The descriptor for data reads: fd() itself, or for a delta opened with
  // direct_io a buffered read-only one. Writes stay O_DIRECT (a
  // container's written data never sits dirty in host memory outside its
  // limits), while what it reads back stays in the page cache across a
  // stop and start, as a lower delta's does. The kernel keeps the two
  // coherent: a direct write invalidates the cached pages it covers, after
  // waiting for reads in flight on them (doc/storage.md §7).
  int read_fd() const { return read_fd_ ? read_fd_.get() : fd_.get(); }
  const Header& header() const { return header_; }
  uint64_t cluster_bytes() const {
    return uint64_t{cluster_sectors_} * kSectorSize;
  }
  uint32_t cluster_sectors() const { return cluster_sectors_; }
  uint64_t virtual_bytes() const;
  // Number of virtual clusters this delta can map.
  uint32_t clusters() const { return clusters_; }

  // File offset of virtual cluster `c`, or kUnmapped. Raw deltas map every
  // cluster below their size.
  uint64_t Lookup(uint32_t c) const;
  // Raw BAT entry of `c` (0 = unmapped), for check and convert.
  uint32_t Entry(uint32_t c) const {
    return bat_[c].load(std::memory_order_acquire);
  }

  // Next free cluster index (file length / cluster, rounded down).
  uint64_t alloc_head() const { return alloc_head_.load(); }
  // Length of the file in bytes.
  vz::Result<uint64_t> FileSize() const;

  // Reserves a new cluster at the end of the file (fallocate, never sparse)
  // and returns its byte offset. Expanded, writable deltas only.
  vz::Result<uint64_t> AllocateCluster();
  // Points virtual cluster `c` at file offset `offset` (kUnmapped unmaps),
  // in memory only; Sync() persists it.
  void Map(uint32_t c, uint64_t offset);
  // Sets a raw BAT entry in memory (repair and convert).
  void SetEntry(uint32_t c, uint32_t entry);

  // data -> fdatasync -> changed BAT blocks -> fdatasync.
  vz::Status Sync();
  // True when Map() or a header change awaits Sync().
  bool metadata_dirty() const {
    std::lock_guard<std::mutex> lock(meta_mu_);
    return any_dirty_;
  }
  // Sets the in-use flag (and drops a format extension) durably. Called
  // before the first write after opening for writing.
  vz::Status MarkInUse();
  // Sync() then clears the in-use flag durably: a clean close.
  vz::Status MarkClean();
  // Rewrites the header from `h` (resize, convert, repair), durably.
  vz::Status WriteHeader(const Header& h);
  // Grows or shrinks the virtual size; may reserve more BAT clusters when
  // the file has room (callers relocate data first when it has not).
  vz::Status Resize(uint64_t size_bytes);
  // Truncates the file to `clusters` whole clusters (repair, compact).
  vz::Status TruncateClusters(uint64_t clusters);

  // Data I/O at file offsets, complete or an error.
  vz::Status ReadAt(uint64_t offset, void* buf, size_t len) const;
  vz::Status WriteAt(uint64_t offset, const void* buf, size_t len);

  // Sharing (doc/ploop-format.md §6).
  static vz::Result<bool> IsShared(const std::string& path);
  static vz::Status MarkShared(const std::string& path);

  // File identity (user.ploop.id / user.ploop.parent-id); empty if unset.
  std::string id() const;
  std::string parent_id() const;
  vz::Status SetIds(const std::string& id, const std::string& parent_id);

 private:
  Delta() = default;
  vz::Status LoadExpanded(const DeltaOpenOptions& o);
  vz::Status LoadBat();
  vz::Status ValidateExtension();
  vz::Status ValidateBat();
  vz::Status WriteMetaBlock(uint64_t block);  // Requires meta_mu_.
  vz::Status WriteHeaderLocked();             // Requires meta_mu_.

  std::string path_;
  DeltaKind kind_ = DeltaKind::kExpanded;
  bool writable_ = false;
  vz::UniqueFd fd_;
  vz::UniqueFd read_fd_;  // buffered reads of a direct_io delta
  Header header_;
  uint32_t cluster_sectors_ = kDefaultClusterSectors;
  uint32_t clusters_ = 0;
  uint64_t raw_bytes_ = 0;
  std::unique_ptr<std::atomic<uint32_t>[]> bat_;
  std::atomic<uint64_t> alloc_head_{0};

  mutable std::mutex meta_mu_;
  bool partial_tail_ = false;       // Guarded by meta_mu_.
  std::vector<bool> dirty_blocks_;  // Guarded by meta_mu_. 4 KiB BAT blocks.
  bool any_dirty_ = false;          // Guarded by meta_mu_.
};

}  // namespace ploop
