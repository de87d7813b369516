#include "ploop/lib/proc.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sstream>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace ploop {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
      out += static_cast<char>(v);
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

vz::Result<std::vector<MountEntry>> ReadMounts() {
  VZ_ASSIGN_OR_RETURN(std::string text,
                      vz::ReadFile("/proc/self/mountinfo", 64 << 20));
  std::vector<MountEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto fields = vz::Split(line.substr(0, dash), ' ');
    auto tail = vz::Split(line.substr(dash + 3), ' ');
    if (fields.size() < 5 || tail.size() < 2) continue;
    out.push_back({Unescape(tail[1]), Unescape(fields[4]), tail[0]});
  }
  return out;
}

std::optional<MountEntry> FindMountPoint(const std::string& path) {
  auto mounts = ReadMounts();
  if (!mounts.has_value()) return std::nullopt;
  std::optional<MountEntry> found;
  for (auto& m : *mounts) {
    if (m.mount_point == path) found = m;  // the last one is on top
  }
  return found;
}

std::vector<MountEntry> FindMountsOf(const std::string& source) {
  std::vector<MountEntry> out;
  auto mounts = ReadMounts();
  if (!mounts.has_value()) return out;
  for (auto& m : *mounts) {
    if (m.source == source) out.push_back(m);
  }
  return out;
}

std::optional<uint64_t> ProcessStartTime(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto stat = vz::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.has_value()) return std::nullopt;
  // Layout: "pid (comm) S ppid ... starttime(22nd field)"; comm may hold
  // spaces and parentheses, so parse from the last ')'.
  auto close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  auto fields = vz::SplitNonEmpty(stat->substr(close + 2), ' ');
  if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X")
    return std::nullopt;
  return std::strtoull(fields[19].c_str(), nullptr, 10);
}

bool WaitProcessGone(pid_t pid, uint64_t start_time, int ms) {
  vz::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  auto same = [&] {
    auto st = ProcessStartTime(pid);
    return st && *st == start_time;
  };
  if (!same()) return true;
  if (pidfd) {
    pollfd p{pidfd.get(), POLLIN, 0};
    ::poll(&p, 1, ms);
    return !same();
  }
  for (int waited = 0; waited < ms; waited += 10) {
    if (!same()) return true;
    ::usleep(10000);
  }
  return !same();
}

}  // namespace ploop
