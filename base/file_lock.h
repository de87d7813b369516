// FileLock: an flock(2) on a file, released when the object goes away.
//
// Used for the per-container lock (/vz/lock/<CTID>.lck) and for ploop's lock
// on DiskDescriptor.xml. flock locks belong to the open file description,
// so they vanish when the holder dies: a crashed vzctl never leaves a stale
// lock behind, only a stale file.
//
// A locked file may be replaced atomically while locked (ReplaceFile: ploop
// rewrites DiskDescriptor.xml under its lock). The lock moves to the new
// file before the rename, and Acquire() checks after locking that the path
// still names the file it locked (retrying otherwise), so a replacement
// never lets a second holder in.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/status.h"
#include "base/unique_fd.h"

namespace vz {

class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  FileLock() = default;
  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

  // Opens (creating when `create`) and locks `path`. With `wait` false a
  // held lock gives kUnavailable ("'path' is locked by another process").
  static Result<FileLock> Acquire(const std::string& path, Mode mode, bool wait,
                                  bool create = true);

  bool held() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  void Release() { fd_.reset(); }

  // Replaces the locked file `path` with `data` (WriteFileAtomic) and moves
  // the lock to the new file. Requires an exclusive lock on `path`.
  // Errors: kFailedPrecondition when not held exclusively; as
  // WriteFileAtomic. On error the old file and the old lock stay.
  Status ReplaceFile(const std::string& path, std::string_view data,
                     mode_t mode = 0644);

 private:
  FileLock(UniqueFd fd, Mode mode) : fd_(std::move(fd)), mode_(mode) {}
  UniqueFd fd_;
  Mode mode_ = Mode::kShared;
};

}  // namespace vz
