// The boot set (doc/storage.md §8): the files a container's start reads,
// recorded at one start and read ahead at the next ones, so a boot on a
// freshly mounted disk does not wait on each cold read in turn.
//
// The set is a hint and never trusted: every path is resolved inside the
// container's root at each use (OpenRegularInRoot), and a file that does
// not parse is not used at all.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"

namespace vz::storage {

struct BootSetEntry {
  std::string path;    // relative to the container's root
  uint64_t bytes = 0;  // read ahead from the file's start
  bool operator==(const BootSetEntry&) const = default;
};
struct BootSet {
  std::vector<BootSetEntry> files;  // first opened first
  // The recording ended before its time (a stop, the init's end): used,
  // and recorded again at the next start.
  bool partial = false;
  bool operator==(const BootSet&) const = default;
};

inline constexpr size_t kBootSetMaxFiles = 8192;
inline constexpr uint64_t kBootSetMaxFileBytes = uint64_t{64} << 20;
inline constexpr uint64_t kBootSetMaxBytes = uint64_t{256} << 20;

// <private>/boot-set.
std::string BootSetPath(const std::string& private_dir);

// Whether `path` may stand in a set: relative, no empty, "." or ".."
// component, no control characters.
bool ValidBootSetPath(std::string_view path);

// The file's text: "vz-boot-set 1" (" partial" added for a partial set)
// and one "<bytes> <path>" line per entry.
std::string FormatBootSet(const BootSet& set);
// Errors: kDataLoss naming the first line that breaks the format or a
// limit.
Result<BootSet> ParseBootSet(std::string_view text);

// nullopt when there is none. Errors: reading, or ParseBootSet's.
Result<std::optional<BootSet>> LoadBootSet(const std::string& path);
// Replaces the file atomically (rename, no fsync), mode 0600; a file that
// already holds exactly this set is left alone.
Status SaveBootSet(const std::string& path, const BootSet& set);

// `path` below the directory `root` opened for reading only, symlinks
// resolved inside `root` (never the host's), and only when it is a
// regular file: a FIFO or device the container made is never opened.
// Invalid (errno set) otherwise.
UniqueFd OpenRegularInRoot(int root, std::string_view path);

// Bytes of [0, min(size, kBootSetMaxFileBytes)) of the file that entered
// its page cache since the inode was loaded: cached now, clean or dirty,
// or evicted since (cachestat counts the shadow entry reclaim leaves per
// page). Evicted pages count because a boot's pages may be gone before
// the recording ends: this VM's DAMON pages out unmapped file pages lying
// in memory idle for a minute, fresh ones among them. Where the kernel
// lacks cachestat, mincore: cached pages only.
Result<uint64_t> PageCacheEntered(int fd, uint64_t size);

// The set's entries from files in the order first opened, each with its
// cached bytes: a file with none is left out, each is cut at
// kBootSetMaxFileBytes, and one that would take the total over
// kBootSetMaxBytes is left out while smaller ones after it still count (a
// big file the start wrote must not empty the rest of the set).
std::vector<BootSetEntry> WithinBudget(std::span<const BootSetEntry> cached);

// A file's identity on its filesystem: the inode number and its
// generation (FS_IOC_GETVERSION; 0 where the filesystem has none), so a
// number ext4 hands out again during the boot names another file.
struct FileId {
  uint64_t ino = 0;
  uint32_t generation = 0;
  bool operator==(const FileId&) const = default;
};
struct FileIdHash {
  size_t operator()(const FileId& id) const {
    return std::hash<uint64_t>()(id.ino * 31 + id.generation);
  }
};
// The file open as `fd`, whose inode is `ino`.
FileId IdOf(int fd, ino_t ino);
// The file open as `fd`; nullopt when fstat fails.
std::optional<FileId> IdOf(int fd);

// What a start read ahead while it recorded again (a partial set): the
// paths it read each file under (hard links: more than one).
using ReadAhead =
    std::unordered_map<FileId, std::vector<std::string>, FileIdHash>;

// The reader's report, one "<inode> <generation> <index into the set>"
// line per file, written before the file is read. Only whole lines count
// (the reader may be killed mid-write); a line that does not parse or
// names no entry ends it.
ReadAhead ParseReadAhead(std::string_view report,
                         std::span<const BootSetEntry> set);
// One line of that report.
std::string ReadAheadLine(const FileId& id, size_t index);

// A file a recording found opened and cached (Finish's input).
struct OpenedFile {
  std::string path;
  FileId id;
  uint64_t cached = 0;
};
// The set's entries, leaving out files read ahead under another path only
// (renamed during the boot, as journald renames the journal an unclean
// stop left): their cached pages are the read-ahead's, not the boot's.
// Without this every short unclean run added the container's whole last
// journal again under its new name. A file read ahead under its own path
// counts as cached: what the read-ahead brought in, and the pages the boot
// touched beyond it (a set being recorded again does not shrink).
std::vector<BootSetEntry> Attribute(std::span<const OpenedFile> opened,
                                    const ReadAhead& ahead);

// Whether `fd`, opened at `path`, is the root of an ext4 mounted right
// there (a container's disk), not a host directory or a bind mount of
// one. Errors: kFailedPrecondition when it is not; as stat(2).
Status CheckDiskRoot(int fd, const std::string& path);

// Records which files the ext4 filesystem mounted at `rootfs` has opened
// (all its mounts count, the container's own included), from Start until
// Finish. Needs CAP_SYS_ADMIN (fanotify). Events queue in the kernel (at
// most fanotify's 16384: a burst beyond keeps the first ones) until
// Finish, which first removes the mark: whatever the container does
// meanwhile, Finish reads a bounded queue and keeps at most
// kBootSetMaxFiles paths.
class BootSetRecorder {
 public:
  // Errors: `rootfs` not the root of an ext4 filesystem mounted there (a
  // mark on a host filesystem would watch the host's files); the
  // kernel's (no fanotify, no file handles).
  static Result<BootSetRecorder> Start(const std::string& rootfs);

  // Leaves out what process `pid` opens (the monitor's own read-ahead,
  // which opens the last set's files ahead of the init).
  void IgnorePid(pid_t pid) { ignored_pid_ = pid; }
  // Ends the recording: what is opened from here on is not recorded.
  // Cheap (one fanotify_mark: no event is read, no file looked at), so a
  // stop can call it before it signals the init; Finish does the rest.
  void Stop();
  // The regular files opened, first opened first, without those of which
  // nothing is cached; each with its cached bytes, read or written (a
  // file the start writes, such as journald's, it mostly reads again at
  // the next start), as Attribute counts them against what this start
  // read ahead (`ahead`). Stops the recording if Stop was not called.
  // Afterwards the recorder holds nothing on the container's filesystem
  // but keeps its fanotify group until it is destroyed: closing the group
  // waits for the marks being destroyed, the node's (an SRCU grace
  // period), which a stopping container's processes keep busy with their
  // own inotify marks (22 ms here). A stop destroys it once the disk is
  // unmounted, when that wait is short.
  std::vector<BootSetEntry> Finish(const ReadAhead& ahead = {});

 private:
  BootSetRecorder(UniqueFd fan, UniqueFd root, std::string rootfs)
      : fan_(std::move(fan)),
        root_(std::move(root)),
        rootfs_(std::move(rootfs)) {}
  void ReadEvents();
  void OnEvent(const void* info, size_t len);
  std::optional<std::string> DirPath(const void* handle);

  UniqueFd fan_;
  UniqueFd root_;
  std::string rootfs_;
  std::vector<std::string> opened_;       // first opened first
  std::unordered_set<std::string> seen_;  // opened_'s paths
  std::unordered_map<std::string, std::optional<std::string>> dirs_;
  pid_t ignored_pid_ = -1;
  bool stopped_ = false;
};

// Asks for the first `bytes` of the open file with POSIX_FADV_WILLNEED,
// 1 MiB per call: one call reads ahead at most the device's largest
// request (1.25 MiB through the loop device). Returns at once; the reads
// run on. False when the kernel refused the advice.
bool ReadAheadFile(int fd, uint64_t bytes);

// Reads the first `bytes` of the open file into the page cache 1 MiB at a
// time (POSIX_FADV_WILLNEED), waiting for each step before asking for the
// next: never more than one request ahead of other readers of the device.
// False when the kernel refused, or the file ended before `bytes`.
bool ReadAheadInTurn(int fd, uint64_t bytes);

struct PrefetchStats {
  size_t files = 0;    // entries asked for
  size_t missing = 0;  // gone or no longer regular files
};
// Reads each entry's bytes below `rootfs` into the page cache, in the
// set's order, with ReadAheadInTurn: returns when all were read. With a
// `report` descriptor, writes each file's line (ParseReadAhead) before
// reading it.
PrefetchStats PrefetchBootSet(const std::string& rootfs,
                              std::span<const BootSetEntry> set,
                              int report = -1);
// Opens each entry below `rootfs` as PrefetchBootSet does and reads
// nothing: which of them are gone, for a set not worth reading ahead.
PrefetchStats FindBootSetFiles(const std::string& rootfs,
                               std::span<const BootSetEntry> set);
// More than a quarter of the files gone: time to record a new set.
bool BootSetStale(const PrefetchStats& stats);

// A whole set smaller than this is not read ahead: the reader's fork, its
// cgroup moves and its reads, competing with the init's own setup for the
// CPUs and the device server, cost a small container's start more than
// they save. Measured on busybox (2 MiB, nearly all of it the init, which
// the mount reads ahead anyway): start 17.2 -> 15.6 ms without the
// reader, 30 interleaved rounds. A Debian boot's set is 28-35 MiB.
inline constexpr uint64_t kBootSetMinReadAheadBytes = uint64_t{4} << 20;
// Whether `set` is big enough to read ahead (kBootSetMinReadAheadBytes).
bool WorthReadingAhead(const BootSet& set);

}  // namespace vz::storage
