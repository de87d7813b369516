#include "base/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace vz {

Result<FileLock> FileLock::Acquire(const std::string& path, Mode mode,
                                   bool wait, bool create) {
  int flags = O_RDONLY | O_CLOEXEC | (create ? O_CREAT : 0);
  UniqueFd fd(::open(path.c_str(), flags, 0600));
  if (!fd) return ErrnoError(errno, "open lock '" + path + "'");
  int op =
      (mode == Mode::kExclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
  while (::flock(fd.get(), op) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      return UnavailableError("'" + path + "' is locked by another process")
          .WithErrno(EWOULDBLOCK);
    }
    return ErrnoError(errno, "lock '" + path + "'");
  }
  return FileLock(std::move(fd));
}

}  // namespace vz
