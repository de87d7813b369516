// ContainerLock: the per-container lock that serialises every mutation of a
// container, so vzctl and vzd never race (DESIGN §2, doc/config.md §5).
//
// An exclusive flock(2) on LOCKDIR/<CTID>.lck. The holder writes
// "<pid>\n<command>\n" into the file right after locking and empties it
// before unlocking, so a caller that is refused can say who holds it. The
// kernel drops the lock when the holder dies; a stale file is harmless and
// never removed (removing a lock file races with flock).
//
// A move-only owner of the lock; releases on destruction. Not thread-safe;
// one object belongs to one operation. flock locks belong to the open file,
// so two ContainerLocks in one process exclude each other too.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/unique_fd.h"

namespace vz {

struct LockOptions {
  // Zero: fail at once when the lock is held. Otherwise retry until it is
  // free or this much time has passed.
  std::chrono::milliseconds wait{0};
  // Written into the lock file for a refused caller's message, e.g.
  // "vzctl start 101". Empty: this process's command line.
  std::string command;
};

// Who holds a lock, as the holder wrote it.
struct LockHolder {
  pid_t pid = 0;
  std::string command;
};

class ContainerLock {
 public:
  ContainerLock() = default;
  ContainerLock(ContainerLock&&) = default;
  ContainerLock& operator=(ContainerLock&&);
  ~ContainerLock() { Release(); }

  // Locks LOCKDIR/<ctid>.lck (NodeConfig::lock_dir()), creating the
  // directory and file as needed. Errors: invalid CTID (exit 21);
  // kUnavailable with exit 9 (VZ_LOCKED) and errno EWOULDBLOCK when another
  // operation holds it past `options.wait`: "container '101' is locked by
  // another operation (pid 4242: vzctl start 101)"; I/O errors.
  static Result<ContainerLock> Acquire(const std::string& lock_dir,
                                       std::string_view ctid,
                                       const LockOptions& options = {});

  // The node-wide lock (LOCKDIR/.names.lck) held while a CTID or name is
  // checked and taken, so two creates cannot take the same one. Errors: as
  // Acquire ("container names are locked by another operation ...").
  static Result<ContainerLock> AcquireNames(const std::string& lock_dir,
                                            const LockOptions& options = {});

  // The lock of template `name` (LOCKDIR/.tmpl.<name>.lck), held while a
  // template is written, signed, removed, or linked into a container and
  // resealed (doc/templates.md §6). Errors: invalid name (exit 21); as
  // Acquire ("template 'x' is locked by another operation ...").
  static Result<ContainerLock> AcquireTemplate(const std::string& lock_dir,
                                               std::string_view name,
                                               const LockOptions& options = {});

  bool held() const { return fd_.valid(); }
  const std::string& path() const { return path_; }
  // Empties the holder record and unlocks. Idempotent.
  void Release();

 private:
  ContainerLock(UniqueFd fd, std::string path)
      : fd_(std::move(fd)), path_(std::move(path)) {}
  static Result<ContainerLock> AcquirePath(const std::string& lock_dir,
                                           const std::string& file,
                                           std::string_view subject,
                                           const LockOptions& options);

  UniqueFd fd_;
  std::string path_;
};

// The holder recorded in the lock file at `path`, if there is a complete
// record of a live process (a crashed holder's record is ignored).
std::optional<LockHolder> ReadLockHolder(const std::string& path);

}  // namespace vz
