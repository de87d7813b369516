// ploop images: create, open as one disk, read, write, flush, close.
//
// An image is a directory with DiskDescriptor.xml and its delta files
// (doc/ploop-format.md). Image::Open locks the descriptor (flock: exclusive
// for writing, shared for reading), opens the current delta stack (lower
// deltas read-only, the top one writable unless read_only) and sets the top
// delta's in-use flag; Close() flushes and clears it.
//
// Knows nothing of containers. Not thread-safe as a whole: the device
// server serialises control operations and runs I/O through the stack.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/file_lock.h"
#include "base/status.h"
#include "ploop/disk_descriptor.h"

namespace ploop {

class DeltaStack;

enum class ImageFormat { kExpanded, kRaw };

struct CreateParams {
  uint64_t size_bytes = 0;
  uint32_t cluster_sectors = 2048;  // 1 MiB clusters
  ImageFormat format = ImageFormat::kExpanded;
  int version = 2;  // ploop1 format version, 1 or 2
  std::string base_name = "root.hds";
};

// Creates `dir` (if needed), its base delta and DiskDescriptor.xml.
// Errors: kAlreadyExists (SYSEXIT_CREAT) if a descriptor or the delta is
// already there; kInvalidArgument (SYSEXIT_PARAM) for bad parameters. On
// failure nothing is left behind.
vz::Status CreateImage(const std::string& dir, const CreateParams& params);

struct OpenParams {
  bool read_only = false;
  bool direct_io = false;  // O_DIRECT on the top delta: the server's data path
  bool allow_in_use = false;  // open after a crash (mount runs check first)
  bool wait_for_lock = false;
  // A file to read the descriptor from while it is unchanged, and to
  // write after reading the XML (ploop/descriptor_memo.h); empty: none.
  std::string descriptor_memo;
  // Open() leaves the top delta's in-use flag to the caller, who must call
  // MarkInUse() before any write: the device server overlaps its write
  // and sync with its own start. (A later ReloadStack marks as usual.)
  bool defer_in_use = false;
};

class Image {
 public:
  ~Image();  // closes cleanly if Close() was not called

  // Opens the image whose descriptor is `descriptor_path` (or a directory
  // holding DiskDescriptor.xml). Errors: kUnavailable (SYSEXIT_FLOCK) when
  // another process holds it; kNotFound (SYSEXIT_OPEN) for a missing delta;
  // kDataLoss (SYSEXIT_PLOOPFMT) for corrupt deltas; kInvalidArgument
  // (SYSEXIT_DISKDESCR) for a bad descriptor or deltas that do not belong
  // together (cluster size, size, or identity mismatch).
  static vz::Result<std::unique_ptr<Image>> Open(
      const std::string& descriptor_path, const OpenParams& params);

  const std::string& descriptor_path() const { return descriptor_path_; }
  const std::string& dir() const { return dir_; }
  const DiskDescriptor& descriptor() const { return dd_; }
  uint64_t size() const;
  uint64_t cluster_bytes() const;
  bool read_only() const { return read_only_; }

  vz::Status Read(uint64_t offset, void* buf, size_t len);
  vz::Status Write(uint64_t offset, const void* buf, size_t len);
  vz::Status Flush();
  // Flushes and clears the in-use flag; the image stays open read-only.
  vz::Status Close();
  // Sets the top delta's in-use flag on disk (written and synced): after
  // Open() with defer_in_use, before the first write. Thread-safe against
  // reads. Errors: the write's or the sync's.
  vz::Status MarkInUse();

  // For the ploop component itself (operations, device server).
  DeltaStack& stack() { return *stack_; }
  DiskDescriptor& mutable_descriptor() { return dd_; }
  const OpenParams& open_params() const { return params_; }
  // The path of a delta file named in the descriptor.
  std::string DeltaPath(const std::string& file) const;
  // Writes the (changed) descriptor back atomically; the lock moves to the
  // new file (vz::FileLock::ReplaceFile), so it is never let go. Errors:
  // Validate()'s (SYSEXIT_DISKDESCR); I/O errors.
  vz::Status SaveDescriptor();
  // Closes the delta stack cleanly (top flushed, in-use flag cleared) and
  // opens the current chain of the descriptor again, keeping the lock: for
  // operations that changed which deltas form the stack (merge, switch).
  // Requires no I/O in flight. Errors: as Open().
  vz::Status ReloadStack();

 private:
  Image() = default;
  vz::Status OpenStack(bool mark_in_use = true);

  std::string descriptor_path_;
  std::string dir_;
  DiskDescriptor dd_;
  vz::FileLock lock_;
  std::unique_ptr<DeltaStack> stack_;
  OpenParams params_;
  bool read_only_ = true;
  bool closed_ = false;
};

// "<dir>/DiskDescriptor.xml" for a directory, `path` itself otherwise.
std::string DescriptorPathFor(const std::string& path);

}  // namespace ploop
