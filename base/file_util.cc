#include "base/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "base/unique_fd.h"

namespace vz {

Result<std::string> ReadFile(const std::string& path, size_t max_size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoError(errno, "open '" + path + "'");
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "read '" + path + "'");
    if (n == 0) break;
    if (data.size() + static_cast<size_t>(n) > max_size) {
      return ResourceExhaustedError("read '" + path + "': larger than " +
                                    std::to_string(max_size) + " bytes");
    }
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ErrnoError(errno, "open directory '" + dir + "'");
  if (::fsync(fd.get()) != 0)
    return ErrnoError(errno, "fsync directory '" + dir + "'");
  return OkStatus();
}

namespace {

Status WriteAndRename(const std::string& path, std::string_view data,
                      mode_t mode,
                      const std::function<Status(int fd)>& before_rename,
                      bool durable) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return ErrnoError(errno, "create '" + tmp + "'");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::unlink(tmp.c_str());
      return ErrnoError(e, "write '" + tmp + "'");
    }
    off += static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), mode) != 0 || (durable && ::fsync(fd.get()) != 0)) {
    int e = errno;
    ::unlink(tmp.c_str());
    return ErrnoError(e, "sync '" + tmp + "'");
  }
  if (before_rename) {
    if (Status s = before_rename(fd.get()); !s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (fd.Close() != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return ErrnoError(e, "close '" + tmp + "'");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return ErrnoError(e, "rename '" + tmp + "' to '" + path + "'");
  }
  return durable ? FsyncDir(DirName(path)) : OkStatus();
}

}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view data,
                       mode_t mode) {
  return WriteAndRename(path, data, mode, nullptr, /*durable=*/true);
}

Status WriteFileAtomic(const std::string& path, std::string_view data,
                       mode_t mode,
                       const std::function<Status(int fd)>& before_rename) {
  return WriteAndRename(path, data, mode, before_rename, /*durable=*/true);
}

Status WriteRuntimeFile(const std::string& path, std::string_view data,
                        mode_t mode) {
  return WriteAndRename(path, data, mode, nullptr, /*durable=*/false);
}

Status MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return InvalidArgumentError("mkdir: empty path");
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    size_t next = path.find('/', pos + 1);
    cur = path.substr(0, next);
    pos = next;
    if (cur.empty() || cur == "/") continue;
    if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) {
      return ErrnoError(errno, "mkdir '" + cur + "'");
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return ErrnoError(errno, "stat '" + path + "'");
  if (!S_ISDIR(st.st_mode)) {
    return FailedPreconditionError("mkdir '" + path +
                                   "': exists and is not a directory");
  }
  return OkStatus();
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path
                                                     : path.substr(slash + 1));
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (out != "/") out.push_back('/');
  out.append(b);
  return out;
}

Result<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return ErrnoError(errno, "open directory '" + path + "'");
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Status RemoveTree(const std::string& path) {
  if (path.empty() || path == "/") {
    return InvalidArgumentError("refusing to remove '" + path + "'");
  }
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return ErrnoError(ec.value(), "remove '" + path + "'");
  return OkStatus();
}

}  // namespace vz
