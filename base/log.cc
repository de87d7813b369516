#include "base/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace vz {
namespace {

std::mutex g_mu;
std::unique_ptr<LogSink> g_sink;  // Guarded by g_mu; null means stderr.
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

void WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

Result<LogLevel> ParseLogLevel(std::string_view text) {
  for (int i = 0; i <= 3; ++i) {
    auto level = static_cast<LogLevel>(i);
    if (text == LogLevelName(level) || text == std::string(1, char('0' + i)))
      return level;
  }
  return InvalidArgumentError("invalid log level '" + std::string(text) +
                              "': expected debug, info, warning, error or 0-3");
}

void StderrLogSink::Write(LogLevel level, std::string_view message) {
  std::string line;
  if (level >= LogLevel::kWarning)
    line.append(LogLevelName(level)).append(": ");
  line.append(message).push_back('\n');
  WriteAll(STDERR_FILENO, line);
}

std::string FormatLogLine(std::string_view program, int pid, LogLevel level,
                          std::string_view message, long long unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, unix_ms % 1000);
  std::string line(stamp);
  line.append(" ").append(program).append("[").append(std::to_string(pid));
  line.append("] ").append(LogLevelName(level)).append(": ").append(message);
  line.push_back('\n');
  return line;
}

Result<std::unique_ptr<FileLogSink>> FileLogSink::Open(const std::string& path,
                                                       std::string program) {
  UniqueFd fd(
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd) return ErrnoError(errno, "open log file '" + path + "'");
  return std::unique_ptr<FileLogSink>(
      new FileLogSink(std::move(fd), std::move(program)));
}

void FileLogSink::Write(LogLevel level, std::string_view message) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  long long ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  WriteAll(fd_.get(), FormatLogLine(program_, ::getpid(), level, message, ms));
}

void SetLogSink(std::unique_ptr<LogSink> sink) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_sink = std::move(sink);
}

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }
bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load();
}

void LogLine(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_sink) {
    g_sink->Write(level, message);
  } else {
    StderrLogSink().Write(level, message);
  }
}

}  // namespace vz
