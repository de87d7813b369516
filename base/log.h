// Logging: one process-wide sink with a level threshold.
//
// CLIs log to stderr (the default sink). Daemons and the action log write to
// files (this machine has no /dev/log): FileLogSink appends one line per
// message with time, pid, program name and level, each line in one write(2)
// so concurrent writers (vzctl and vzd) never interleave within a line.
//
// Libraries may log at kDebug for diagnosis; errors are returned as Status,
// never just logged. Thread-safe.
#pragma once

#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/unique_fd.h"

namespace vz {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// "debug", "info", "warning", "error"; ParseLogLevel accepts those and 0..3.
std::string_view LogLevelName(LogLevel level);
Result<LogLevel> ParseLogLevel(std::string_view text);

class LogSink {
 public:
  virtual ~LogSink() = default;
  // `message` has no trailing newline.
  virtual void Write(LogLevel level, std::string_view message) = 0;
};

// Writes "level: message\n" for warnings and errors, "message\n" otherwise.
class StderrLogSink : public LogSink {
 public:
  void Write(LogLevel level, std::string_view message) override;
};

// Appends "2026-11-28T19:44:14.123Z vzctl[123] info: message\n".
class FileLogSink : public LogSink {
 public:
  // Creates the file (0640) if needed. Errors: as open(2), via ErrnoError.
  static Result<std::unique_ptr<FileLogSink>> Open(const std::string& path,
                                                   std::string program);
  void Write(LogLevel level, std::string_view message) override;

 private:
  FileLogSink(UniqueFd fd, std::string program)
      : fd_(std::move(fd)), program_(std::move(program)) {}
  UniqueFd fd_;
  std::string program_;
};

// Formats one file log line (exposed for tests).
std::string FormatLogLine(std::string_view program, int pid, LogLevel level,
                          std::string_view message, long long unix_ms);

void SetLogSink(std::unique_ptr<LogSink> sink);  // nullptr restores stderr
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, std::string_view message);

namespace internal {
class LogMessage {
 public:
  explicit LogMessage(LogLevel level) : level_(level) {}
  ~LogMessage() { LogLine(level_, out_.str()); }
  std::ostream& stream() { return out_; }

 private:
  LogLevel level_;
  std::ostringstream out_;
};
}  // namespace internal

}  // namespace vz

// VZ_LOG(kInfo) << "mounted '" << path << "'";
// (A for-statement, so it nests safely inside an if without braces.)
#define VZ_LOG(level)                                                         \
  for (bool vz_log_on_ = ::vz::LogEnabled(::vz::LogLevel::level); vz_log_on_; \
       vz_log_on_ = false)                                                    \
  ::vz::internal::LogMessage(::vz::LogLevel::level).stream()
