// What a file is now, as far as `stat` can tell: for hints kept beside a
// file (a remembered size, a parsed copy) that stand only while the file
// has not changed.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace vz {

// What changes whenever a file that is only ever replaced (a new inode) or
// written in place (a new ctime, which no one can set back) changes.
struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t ctime_sec = 0;
  int64_t ctime_nsec = 0;
  uint64_t size = 0;
  bool operator==(const FileIdentity&) const = default;
};

// The identity of the file at `path`. Errors: stat's.
Result<FileIdentity> IdentityOf(const std::string& path);

}  // namespace vz
