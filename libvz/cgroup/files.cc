#include "libvz/cgroup/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace vz::cgroup::internal {

Status WriteValue(const std::string& path, std::string_view value, bool fake) {
  int flags = O_WRONLY | O_CLOEXEC | O_TRUNC | (fake ? O_CREAT : 0);
  UniqueFd fd(::open(path.c_str(), flags, 0644));
  if (!fd) return ErrnoError(errno, "open '" + path + "'");
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) {
    return ErrnoError(errno,
                      "write '" + std::string(value) + "' to '" + path + "'");
  }
  return OkStatus();
}

Result<std::string> ReadValue(const std::string& path) {
  VZ_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 1 << 20));
  return std::string(Trim(text));
}

namespace {

Result<uint64_t> ParseU64(std::string_view text, const std::string& path) {
  text = Trim(text);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) {
    if (text == "max") return UINT64_MAX;
    return InternalError("parse '" + path + "': not a number '" +
                         std::string(text) + "'");
  }
  return v;
}

}  // namespace

Result<uint64_t> ReadNumber(const std::string& path) {
  VZ_ASSIGN_OR_RETURN(std::string text, ReadValue(path));
  return ParseU64(text, path);
}

Result<uint64_t> ReadKeyed(const std::string& path, std::string_view key) {
  VZ_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 1 << 20));
  for (const auto& line : SplitNonEmpty(text, '\n')) {
    auto words = SplitNonEmpty(line, ' ');
    if (words.size() == 2 && words[0] == key) return ParseU64(words[1], path);
  }
  return uint64_t{0};
}

namespace {

// Child directories of `dir`.
std::vector<std::string> SubDirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") {
      out.push_back(JoinPath(dir, name));
    }
  }
  ::closedir(d);
  return out;
}

}  // namespace

Result<std::vector<pid_t>> ReadPidsRecursive(const std::string& dir) {
  std::vector<pid_t> pids;
  auto text = ReadFile(JoinPath(dir, "cgroup.procs"));
  if (!text.has_value()) {
    if (text.error().code() == Code::kNotFound) return pids;
    return text.error();
  }
  for (const auto& w : SplitNonEmpty(*text, '\n')) {
    pid_t pid = 0;
    std::from_chars(w.data(), w.data() + w.size(), pid);
    if (pid > 0) pids.push_back(pid);
  }
  for (const auto& sub : SubDirs(dir)) {
    VZ_ASSIGN_OR_RETURN(auto more, ReadPidsRecursive(sub));
    pids.insert(pids.end(), more.begin(), more.end());
  }
  return pids;
}

namespace {

Status RemoveOnce(const std::string& dir, bool fake) {
  // Most cgroups have no children: one rmdir then, where listing first
  // cost five system calls per hierarchy (nine on v1) at every stop. A
  // cgroup with children or tasks refuses it with EBUSY.
  if (!fake && (::rmdir(dir.c_str()) == 0 || errno == ENOENT)) {
    return OkStatus();
  }
  for (const auto& sub : SubDirs(dir)) {
    VZ_RETURN_IF_ERROR(RemoveOnce(sub, fake));
  }
  if (fake) {
    auto names = ListDir(dir);
    if (names.has_value()) {
      for (const auto& n : *names) ::unlink(JoinPath(dir, n).c_str());
    }
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError(errno, "remove cgroup '" + dir + "'");
  }
  return OkStatus();
}

}  // namespace

Status RemoveCgroupDir(const std::string& dir, std::chrono::milliseconds wait,
                       bool fake) {
  Status last;
  auto removed = PollFor(wait, [&]() -> Result<bool> {
    last = RemoveOnce(dir, fake);
    if (last.ok()) return true;
    if (last.sys_errno() == EBUSY) return false;  // tasks still leaving
    return last;
  });
  if (!removed.has_value()) return removed.error();
  return last;
}

Status CheckFileName(std::string_view file) {
  if (file.empty() || file == "." || file == ".." ||
      file.find('/') != std::string_view::npos) {
    return InvalidArgumentError("invalid cgroup file name '" +
                                std::string(file) + "'");
  }
  return OkStatus();
}

}  // namespace vz::cgroup::internal
