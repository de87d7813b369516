#include "base/forked_call.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace vz {
namespace {

bool WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// The next space-separated integer of `wire`, consumed; nullopt if none.
std::optional<int> NextInt(std::string_view& wire) {
  int v = 0;
  auto [end, ec] = std::from_chars(wire.data(), wire.data() + wire.size(), v);
  if (ec != std::errc() || end == wire.data() + wire.size() || *end != ' ') {
    return std::nullopt;
  }
  wire.remove_prefix(static_cast<size_t>(end - wire.data()) + 1);
  return v;
}

}  // namespace

// Layout: "CODE EXIT ERRNO MESSAGE", EXIT -1 when none is set.
std::string ForkedCall::Encode(const Status& s) {
  return std::to_string(static_cast<int>(s.code())) + " " +
         std::to_string(s.exit_code().value_or(-1)) + " " +
         std::to_string(s.sys_errno()) + " " + s.message();
}

Status ForkedCall::Decode(std::string_view wire) {
  auto code = NextInt(wire);
  auto exit = NextInt(wire);
  auto err = NextInt(wire);
  if (!code || !exit || !err) {
    return InternalError("a forked step died without a result");
  }
  if (*code == 0) return OkStatus();
  Status s(static_cast<Code>(*code), std::string(wire));
  if (*exit >= 0) s.WithExitCode(*exit);
  return std::move(s.WithErrno(*err));
}

Result<ForkedCall> ForkedCall::Start(const std::function<Status()>& fn,
                                     Files files) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoError(errno, "pipe");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) return ErrnoError(errno, "fork");
  if (pid == 0) {
    read_end.reset();
    if (files == Files::kStdio) {
      const unsigned keep = static_cast<unsigned>(write_end.get());
      if (keep > 3) ::close_range(3, keep - 1, 0);
      ::close_range(keep + 1, ~0U, 0);
    }
    Status s = fn();
    // _exit: the parent's atexit handlers and stdio buffers are not ours.
    ::_exit(WriteAll(write_end.get(), Encode(s)) ? 0 : 1);
  }
  return ForkedCall(pid, std::move(read_end));
}

const Status& ForkedCall::Wait() {
  if (!result_) {
    std::string wire = ReadAll(pipe_.get());
    pipe_.reset();
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    result_ = Decode(wire);
  }
  return *result_;
}

bool ForkedCall::Done() const {
  if (result_) return true;
  // The child writes its result and exits: the pipe ends with EOF then.
  pollfd p{pipe_.get(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

void ForkedCall::Kill(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

ForkedCall& ForkedCall::operator=(ForkedCall&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0) (void)Wait();
    pid_ = std::exchange(o.pid_, -1);
    pipe_ = std::move(o.pipe_);
    result_ = std::move(o.result_);
  }
  return *this;
}

ForkedCall::~ForkedCall() {
  if (pid_ > 0) (void)Wait();
}

}  // namespace vz
