// Small file helpers with Status errors.
//
// WriteFileAtomic is the one way configs and descriptors are replaced: write
// a temporary in the same directory, fsync it, rename over the target, fsync
// the directory. A crash leaves the old or the new file, never a mix.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vz {

// Reads a whole file. Errors: as open/read; kResourceExhausted if it is
// larger than `max_size` (hostile input must not exhaust memory).
Result<std::string> ReadFile(const std::string& path,
                             size_t max_size = 16 << 20);

// Errors: as open/write/fsync/rename.
Status WriteFileAtomic(const std::string& path, std::string_view data,
                       mode_t mode = 0644);
// As above; `before_rename` runs on the synced temporary's fd just before
// the rename (FileLock::ReplaceFile locks the new file there). Its error
// aborts the replacement.
Status WriteFileAtomic(const std::string& path, std::string_view data,
                       mode_t mode,
                       const std::function<Status(int fd)>& before_rename);

// WriteFileAtomic without the fsyncs, for state under <root>/run (pid and
// mount state files): /run does not outlive a reboot, so the rename's
// atomicity against a crash of the writer is all it needs, and each fsync
// costs a start 0.3-1 ms. Readers must take an empty file after a power
// loss (possible where /run is on disk, as in test node roots) as stale.
Status WriteRuntimeFile(const std::string& path, std::string_view data,
                        mode_t mode = 0644);

// mkdir -p; existing directories are fine.
Status MakeDirs(const std::string& path, mode_t mode = 0755);

// fsync(2) of a directory, so a rename or create in it is durable.
Status FsyncDir(const std::string& dir);

bool PathExists(const std::string& path);

// Directory part of a path ("a/b/c" -> "a/b", "c" -> ".", "/c" -> "/").
std::string DirName(std::string_view path);
// Last component ("a/b/c" -> "c").
std::string BaseName(std::string_view path);
// Joins with exactly one '/' between the parts.
std::string JoinPath(std::string_view a, std::string_view b);

// Names in a directory, without "." and "..", sorted.
Result<std::vector<std::string>> ListDir(const std::string& path);

// rm -rf of a tree that we own. Refuses "/" and empty paths.
Status RemoveTree(const std::string& path);

}  // namespace vz
