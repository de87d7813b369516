#include "ploop/server_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <deque>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace ploop {
namespace {

constexpr size_t kMaxLines = 100;
constexpr off_t kMaxRead = 1 << 20;

// The tail of `path`, at most kMaxRead bytes, from a line's start.
std::string Tail(const std::string& path) {
  vz::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) != 0) return {};
  const off_t from = st.st_size > kMaxRead ? st.st_size - kMaxRead : 0;
  std::string text(static_cast<size_t>(st.st_size - from), '\0');
  const ssize_t n = ::pread(fd.get(), text.data(), text.size(), from);
  if (n <= 0) return {};
  text.resize(static_cast<size_t>(n));
  if (from > 0) {
    const size_t nl = text.find('\n');
    text.erase(0, nl == std::string::npos ? text.size() : nl + 1);
  }
  return text;
}

std::string Now() {
  char buf[32];
  const time_t t = ::time(nullptr);
  struct tm tm;
  ::gmtime_r(&t, &tm);
  ::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

void KeepServerTrouble(const vz::NodeRoot& node, const std::string& descriptor,
                       const std::string& server_log) {
  std::deque<std::string> kept;
  for (auto& line : vz::SplitNonEmpty(Tail(server_log), '\n')) {
    if (line.find("] error: ") == std::string::npos &&
        line.find("] warning: ") == std::string::npos) {
      continue;
    }
    kept.push_back(std::move(line));
    if (kept.size() > kMaxLines) kept.pop_front();
  }
  if (kept.empty()) return;
  std::string out = Now() + " the device server of '" + descriptor +
                    "' had logged, before its unmount:\n";
  for (const auto& line : kept) out += "  " + line + "\n";
  const std::string log = node.Path("/var/log/ploop.log");
  if (!vz::MakeDirs(vz::DirName(log)).ok()) return;
  vz::UniqueFd fd(
      ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (fd) (void)!::write(fd.get(), out.data(), out.size());
}

}  // namespace ploop
