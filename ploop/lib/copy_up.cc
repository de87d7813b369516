#include "ploop/lib/copy_up.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/file_util.h"
#include "base/unique_fd.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/delta.h"

namespace ploop {
namespace {

constexpr char kSharedXattr[] = "user.ploop.shared";

vz::Status CopyData(int in, int out, uint64_t size, const std::string& path) {
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr,
                                  static_cast<size_t>(size - done), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || n == 0) break;  // fall back to read/write below
    done += static_cast<uint64_t>(n);
  }
  std::vector<char> buf(1 << 20);
  while (done < size) {
    size_t len =
        static_cast<size_t>(std::min<uint64_t>(buf.size(), size - done));
    ssize_t r = ::pread(in, buf.data(), len, static_cast<off_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      return vz::ErrnoError(r < 0 ? errno : EIO, "read '" + path + "'")
          .WithExitCode(kSysExitRead);
    ssize_t w = ::pwrite(out, buf.data(), static_cast<size_t>(r),
                         static_cast<off_t>(done));
    if (w != r)
      return vz::ErrnoError(w < 0 ? errno : EIO, "copy '" + path + "'")
          .WithExitCode(kSysExitWrite);
    done += static_cast<uint64_t>(r);
  }
  return vz::OkStatus();
}

// Copies the extended attributes (the delta's identity), except the
// shared mark: the copy belongs to this image alone.
vz::Status CopyXattrs(int in, int out, const std::string& path) {
  std::vector<char> names(4096);
  ssize_t n = ::flistxattr(in, names.data(), names.size());
  if (n < 0) {
    if (errno == ENOTSUP) return vz::OkStatus();
    return vz::ErrnoError(errno, "list attributes of '" + path + "'");
  }
  for (ssize_t i = 0; i < n;) {
    std::string name(names.data() + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    if (name == kSharedXattr || name.rfind("user.", 0) != 0) continue;
    char value[256];
    ssize_t v = ::fgetxattr(in, name.c_str(), value, sizeof value);
    if (v < 0) continue;
    if (::fsetxattr(out, name.c_str(), value, static_cast<size_t>(v), 0) != 0)
      return vz::ErrnoError(errno, "copy attributes of '" + path + "'");
  }
  return vz::OkStatus();
}

}  // namespace

vz::Result<bool> CopyUpIfShared(const std::string& path) {
  VZ_ASSIGN_OR_RETURN(bool shared, Delta::IsShared(path));
  if (!shared) return false;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return vz::ErrnoError(errno, "stat '" + path + "'")
        .WithExitCode(kSysExitFstat);
  if (st.st_nlink < 2) {
    return vz::FailedPreconditionError(
               "delta '" + path +
               "' is a template image (user.ploop.shared): it is never "
               "written")
        .WithExitCode(kSysExitParam);
  }
  vz::UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in)
    return vz::ErrnoError(errno, "open '" + path + "'")
        .WithExitCode(kSysExitOpen);
  std::string tmp = path + ".copy-up";
  ::unlink(tmp.c_str());  // a stray one from a crash
  vz::UniqueFd out(::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
                          st.st_mode & 07777));
  if (!out)
    return vz::ErrnoError(errno, "create '" + tmp + "'")
        .WithExitCode(kSysExitCreat);
  auto fail = [&](vz::Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  uint64_t size = static_cast<uint64_t>(st.st_size);
  // Images are never sparse: reserve the whole copy first.
  if (size && ::fallocate(out.get(), 0, 0, static_cast<off_t>(size)) != 0)
    return fail(vz::ErrnoError(errno, "allocate '" + tmp + "'")
                    .WithExitCode(kSysExitFallocate));
  if (auto s = CopyData(in.get(), out.get(), size, path); !s.ok())
    return fail(s);
  if (auto s = CopyXattrs(in.get(), out.get(), path); !s.ok()) return fail(s);
  if (::fsync(out.get()) != 0)
    return fail(vz::ErrnoError(errno, "sync '" + tmp + "'")
                    .WithExitCode(kSysExitFsync));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return fail(vz::ErrnoError(errno, "rename '" + tmp + "'")
                    .WithExitCode(kSysExitRename));
  VZ_RETURN_IF_ERROR(vz::FsyncDir(vz::DirName(path)));
  return true;
}

}  // namespace ploop
