#include "base/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "base/file_util.h"

namespace vz {
namespace {

// True when `fd` is still the file `path` names: a writer that replaced the
// file (ReplaceFile) holds the lock on the new one, so a lock on the old
// one means nothing.
bool StillNamed(int fd, const std::string& path) {
  struct stat a, b;
  if (::fstat(fd, &a) != 0 || ::stat(path.c_str(), &b) != 0) return false;
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

}  // namespace

Result<FileLock> FileLock::Acquire(const std::string& path, Mode mode,
                                   bool wait, bool create) {
  int flags = O_RDONLY | O_CLOEXEC | (create ? O_CREAT : 0);
  int op =
      (mode == Mode::kExclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
  for (;;) {
    UniqueFd fd(::open(path.c_str(), flags, 0600));
    if (!fd) return ErrnoError(errno, "open lock '" + path + "'");
    while (::flock(fd.get(), op) != 0) {
      if (errno == EINTR) continue;
      if (errno == EWOULDBLOCK) {
        return UnavailableError("'" + path + "' is locked by another process")
            .WithErrno(EWOULDBLOCK);
      }
      return ErrnoError(errno, "lock '" + path + "'");
    }
    if (StillNamed(fd.get(), path)) return FileLock(std::move(fd), mode);
    // Replaced (or removed) while we waited: lock whatever is there now.
  }
}

Status FileLock::ReplaceFile(const std::string& path, std::string_view data,
                             mode_t mode) {
  if (!held() || mode_ != Mode::kExclusive) {
    return FailedPreconditionError("replace '" + path +
                                   "': not locked exclusively");
  }
  UniqueFd locked;
  Status s = WriteFileAtomic(path, data, mode, [&](int fd) -> Status {
    locked.reset(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!locked) return ErrnoError(errno, "lock new '" + path + "'");
    // Nobody else can know the temporary yet, so this never blocks.
    if (::flock(locked.get(), LOCK_EX | LOCK_NB) != 0)
      return ErrnoError(errno, "lock new '" + path + "'");
    return OkStatus();
  });
  if (!s.ok()) return s;
  fd_ = std::move(locked);
  return OkStatus();
}

}  // namespace vz
