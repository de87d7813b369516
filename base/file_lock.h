// FileLock: an flock(2) on a file, released when the object goes away.
//
// Used for the per-container lock (/vz/lock/<CTID>.lck) and for ploop's lock
// on DiskDescriptor.xml. flock locks belong to the open file description,
// so they vanish when the holder dies: a crashed vzctl never leaves a stale
// lock behind, only a stale file.
#pragma once

#include <string>

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

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace vz
