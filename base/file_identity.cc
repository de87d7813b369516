#include "base/file_identity.h"

#include <sys/stat.h>

#include <cerrno>

namespace vz {

Result<FileIdentity> IdentityOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return ErrnoError(errno, "stat '" + path + "'");
  }
  return FileIdentity{.dev = static_cast<uint64_t>(st.st_dev),
                      .ino = static_cast<uint64_t>(st.st_ino),
                      .ctime_sec = st.st_ctim.tv_sec,
                      .ctime_nsec = st.st_ctim.tv_nsec,
                      .size = static_cast<uint64_t>(st.st_size)};
}

}  // namespace vz
