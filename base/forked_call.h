// Running one slow step in a forked child while the caller goes on.
//
// A process that clones or forks (the monitor cloning a container's init)
// must stay single-threaded: a second thread could hold a lock (malloc's)
// at the moment of the clone, and the child would wait on it for ever. So
// work that should overlap with the caller's runs in a forked child
// instead, and hands its Status back through a pipe.
//
//   auto mount = ForkedCall::Start([&] { return MountTheDisk(); });
//   ... other work, including clone() ...
//   VZ_RETURN_IF_ERROR(mount->Wait());
//
// The child shares the caller's mounts, files and cgroups (its effects on
// the system are the caller's), not its memory: results other than the
// Status must be read back from the system.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "base/unique_fd.h"

namespace vz {

class ForkedCall {
 public:
  // What the child keeps of the caller's open files.
  enum class Files {
    kAll,
    // Only stdin, stdout and stderr: for a child that may outlive the
    // caller's next steps, so that it holds no lock (flock belongs to the
    // open file), socket or pipe end (a reader waiting for EOF) of the
    // caller's.
    kStdio,
  };
  // Forks a child that runs `fn` and _exits; call from a single-threaded
  // process. Errors: fork or pipe failing (errno kept).
  static Result<ForkedCall> Start(const std::function<Status()>& fn,
                                  Files files = Files::kAll);

  ForkedCall(ForkedCall&& o) noexcept
      : pid_(std::exchange(o.pid_, -1)),
        pipe_(std::move(o.pipe_)),
        result_(std::move(o.result_)) {}
  // Waits for the child this one held, then takes `o`'s.
  ForkedCall& operator=(ForkedCall&& o) noexcept;
  // Waits for the child if Wait() was not called: never a zombie.
  ~ForkedCall();

  // The Status `fn` returned (code, message, errno and exit code kept);
  // kInternal when the child died without one. Waits the first time, then
  // returns the same Status again.
  const Status& Wait();
  // Whether the child has ended (its result is readable, or it died): a
  // Wait then returns at once. For callers that poll instead of blocking.
  bool Done() const;
  // Sends `sig` to the child unless it has been waited for (until then
  // its pid cannot name another process).
  void Kill(int sig);
  // The child's pid; -1 once waited for.
  pid_t pid() const { return pid_; }

  // The wire form between child and parent; apart for the unit tests.
  static std::string Encode(const Status& s);
  static Status Decode(std::string_view wire);

 private:
  ForkedCall(pid_t pid, UniqueFd pipe) : pid_(pid), pipe_(std::move(pipe)) {}
  pid_t pid_ = -1;
  UniqueFd pipe_;
  std::optional<Status> result_;
};

}  // namespace vz
