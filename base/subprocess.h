// Running external programs (mkfs.ext4, e2fsck, debootstrap, ...).
//
// argv only, never a shell string. The child starts in a process group of
// its own (posix_spawn, safe in threaded programs). Its stdout and stderr
// are captured (or inherited), stdin gets `stdin_data` or /dev/null. When
// the timeout expires the child's whole process group, and only that group,
// gets SIGKILL, so grandchildren (debootstrap's chroot helpers) die with it.
//
// Thread-safe: each call is independent.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vz {

struct SubprocessOptions {
  // Extra "KEY=value" entries; they override the inherited environment
  // (or form the whole environment when clear_env is true).
  std::vector<std::string> env;
  bool clear_env = false;
  std::optional<std::string> cwd;
  std::string stdin_data;
  bool capture_stdout = true;            // false: the child inherits our stdout
  bool capture_stderr = true;            // false: the child inherits our stderr
  std::chrono::milliseconds timeout{0};  // 0: none
  size_t max_output = 64 << 20;          // per stream; the rest is dropped
  // Called for every complete line of stdout as it arrives (progress).
  std::function<void(std::string_view)> on_stdout_line;
};

struct SubprocessResult {
  int exit_code = -1;   // -1 when killed by a signal
  int term_signal = 0;  // the signal that ended it, or 0
  bool timed_out = false;
  std::string out;
  std::string err;

  bool success() const { return exit_code == 0 && !timed_out; }
  // "exited with code 2", "killed by signal 9", "timed out after 5000 ms".
  std::string Describe() const;
};

// Runs argv[0] (looked up in PATH when it has no '/') to completion.
// Returns the result whatever the exit code; errors only when it could not
// run: kNotFound (no such program), kInvalidArgument (empty argv), or the
// errno of the failing system call.
Result<SubprocessResult> RunSubprocess(const std::vector<std::string>& argv,
                                       const SubprocessOptions& options = {});

// As RunSubprocess, but a non-zero exit, a signal or a timeout is an error
// (kInternal, kDeadlineExceeded on timeout) whose message names the program,
// how it ended, and the last line of its stderr.
Result<SubprocessResult> RunChecked(const std::vector<std::string>& argv,
                                    const SubprocessOptions& options = {});

// Looks `name` up in $PATH (and /usr/sbin:/sbin, where root's tools live).
Result<std::string> FindProgram(std::string_view name);

// The running program's path (/proc/self/exe); "" if it cannot be read.
std::string SelfExecutable();

// Our own programs are installed (and built) side by side: `name` in the
// directory of SelfExecutable() when it is executable there, else as
// FindProgram finds it.
Result<std::string> FindSiblingProgram(std::string_view name);

}  // namespace vz
