// The boot set's file and its paths (doc/storage.md §8).
#include "libvz/storage/boot_set.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"

namespace vz::storage {
namespace {

constexpr std::string_view kHeader = "vz-boot-set 1";
constexpr std::string_view kPartial = " partial";

Status LineError(size_t line, const std::string& why) {
  return DataLossError("boot set line " + std::to_string(line) + ": " + why);
}

}  // namespace

std::string BootSetPath(const std::string& private_dir) {
  return private_dir + "/boot-set";
}

bool ValidBootSetPath(std::string_view path) {
  if (path.empty() || path.size() > 4095 || path.front() == '/') return false;
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  for (const std::string& part : Split(path, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

std::string FormatBootSet(const BootSet& set) {
  std::string out(kHeader);
  if (set.partial) out += kPartial;
  out += '\n';
  for (const BootSetEntry& e : set.files) {
    out += std::to_string(e.bytes) + " " + e.path + "\n";
  }
  return out;
}

Result<BootSet> ParseBootSet(std::string_view text) {
  if (!text.empty() && text.back() != '\n') {
    return DataLossError("boot set: the last line is cut short");
  }
  std::vector<std::string> lines = Split(text, '\n');
  lines.pop_back();  // after the last '\n'
  const std::string partial = std::string(kHeader) + std::string(kPartial);
  if (lines.empty() || (lines[0] != kHeader && lines[0] != partial)) {
    return LineError(1, "not '" + std::string(kHeader) + "'");
  }
  if (lines.size() - 1 > kBootSetMaxFiles) {
    return DataLossError("boot set: more than " +
                         std::to_string(kBootSetMaxFiles) + " files");
  }
  BootSet set{.partial = lines[0] == partial};
  uint64_t total = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    size_t space = line.find(' ');
    if (space == std::string::npos) return LineError(i + 1, "no space");
    auto bytes = ParseUint(std::string_view(line).substr(0, space));
    if (!bytes.has_value() || *bytes == 0 || *bytes > kBootSetMaxFileBytes) {
      return LineError(i + 1, "bytes not a number from 1 to " +
                                  std::to_string(kBootSetMaxFileBytes));
    }
    std::string path = line.substr(space + 1);
    if (!ValidBootSetPath(path)) return LineError(i + 1, "bad path");
    total += *bytes;
    if (total > kBootSetMaxBytes) {
      return LineError(i + 1, "more than " + std::to_string(kBootSetMaxBytes) +
                                  " bytes in all");
    }
    set.files.push_back({std::move(path), *bytes});
  }
  return set;
}

Result<std::optional<BootSet>> LoadBootSet(const std::string& path) {
  // Each line holds at most 4095 bytes of path and 20 of number.
  auto text = ReadFile(path, (kBootSetMaxFiles + 1) * 4120);
  if (!text.has_value()) {
    if (text.error().sys_errno() == ENOENT) return std::optional<BootSet>();
    return text.error();
  }
  VZ_ASSIGN_OR_RETURN(BootSet set, ParseBootSet(*text));
  return std::optional<BootSet>(std::move(set));
}

Status SaveBootSet(const std::string& path, const BootSet& set) {
  // Not synced: the set is a hint, written while a stop waits. After a
  // power loss the rename may have come through with the file's data
  // lost: an empty or cut file does not parse and is recorded again.
  const std::string text = FormatBootSet(set);
  // The same set again (a partial one recorded at every short run) is
  // left as it is: the rename would free the old file's blocks, which on
  // a filesystem mounted with discard waits for the device (up to 6 ms
  // here, in the stop's path).
  if (ReadFile(path, text.size() + 1).value_or("") == text) return OkStatus();
  return WriteRuntimeFile(path, text, 0600);
}

UniqueFd OpenRegularInRoot(int root, std::string_view path) {
  // A path only (O_PATH) until it is known to be a regular file.
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const std::string p(path);
  UniqueFd at(static_cast<int>(
      ::syscall(SYS_openat2, root, p.c_str(), &how, sizeof how)));
  struct stat st;
  if (!at || ::fstat(at.get(), &st) != 0) return UniqueFd();
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    return UniqueFd();
  }
  // O_NOATIME: reading ahead is not the container's access. Allowed to
  // the file's owner and to root only: without it for anyone else.
  const std::string self = "/proc/self/fd/" + std::to_string(at.get());
  UniqueFd file(::open(
      self.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOATIME));
  if (!file && errno == EPERM) {
    file.reset(
        ::open(self.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  }
  return file;
}

}  // namespace vz::storage
