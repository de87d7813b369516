#include "base/subprocess.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/file_util.h"
#include "base/unique_fd.h"

extern char** environ;

namespace vz {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoError(errno, "create pipe");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::vector<std::string> BuildEnv(const SubprocessOptions& o) {
  std::vector<std::string> env;
  auto key_of = [](const std::string& kv) {
    return kv.substr(0, kv.find('='));
  };
  if (!o.clear_env) {
    for (char** e = environ; e && *e; ++e) {
      std::string kv(*e);
      bool overridden = false;
      for (const auto& extra : o.env) overridden |= key_of(extra) == key_of(kv);
      if (!overridden) env.push_back(std::move(kv));
    }
  }
  env.insert(env.end(), o.env.begin(), o.env.end());
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Drains a readable pipe into `buf` (capped), feeding complete lines to
// `on_line`. Returns false at EOF or error.
bool ReadSome(int fd, std::string& buf, size_t cap, size_t& line_start,
              const std::function<void(std::string_view)>& on_line) {
  char chunk[16384];
  ssize_t n = ::read(fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  size_t take =
      std::min(static_cast<size_t>(n), cap > buf.size() ? cap - buf.size() : 0);
  buf.append(chunk, take);
  if (on_line) {
    for (size_t nl; (nl = buf.find('\n', line_start)) != std::string::npos;) {
      on_line(std::string_view(buf).substr(line_start, nl - line_start));
      line_start = nl + 1;
    }
  }
  return true;
}

// Writes to a pipe without dying of SIGPIPE when the reader is gone. The
// kernel raises SIGPIPE even for a partial write, so any SIGPIPE that became
// pending during the write is consumed.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t len) {
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  ssize_t n = ::write(fd, data, len);
  int saved = errno;
  sigpending(&pending);
  if (!was_pending && sigismember(&pending, SIGPIPE)) {
    struct timespec zero {};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return n;
}

struct Spawned {
  pid_t pid = -1;
  UniqueFd pidfd;
  UniqueFd in, out, err;
};

Result<Spawned> Spawn(const std::string& path,
                      const std::vector<std::string>& argv,
                      const SubprocessOptions& o) {
  VZ_ASSIGN_OR_RETURN(Pipe in, MakePipe());
  VZ_ASSIGN_OR_RETURN(Pipe out, MakePipe());
  VZ_ASSIGN_OR_RETURN(Pipe err, MakePipe());
  UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  int stdin_fd = o.stdin_data.empty() ? devnull.get() : in.read.get();
  posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
  if (o.capture_stdout)
    posix_spawn_file_actions_adddup2(&fa, out.write.get(), 1);
  if (o.capture_stderr)
    posix_spawn_file_actions_adddup2(&fa, err.write.get(), 2);
  if (o.cwd) posix_spawn_file_actions_addchdir_np(&fa, o.cwd->c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args = argv;
  std::vector<std::string> env = BuildEnv(o);
  auto cargs = CStrings(args);
  auto cenv = CStrings(env);
  Spawned s;
  int rc =
      posix_spawn(&s.pid, path.c_str(), &fa, &attr, cargs.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return ErrnoError(rc, "run '" + argv[0] + "'");
  // glibc 2.36's <sys/pidfd.h> lacks extern "C"; call the syscall directly.
  s.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, s.pid, 0)));
  if (!s.pidfd) {
    int e = errno;
    ::kill(-s.pid, SIGKILL);
    ::waitpid(s.pid, nullptr, 0);
    return ErrnoError(e, "pidfd_open for '" + argv[0] + "'");
  }
  s.in = std::move(in.write);
  ::fcntl(s.in.get(), F_SETFL,
          O_NONBLOCK);  // the poll loop never blocks on stdin
  if (o.capture_stdout) s.out = std::move(out.read);
  if (o.capture_stderr) s.err = std::move(err.read);
  return s;
}

}  // namespace

std::string SubprocessResult::Describe() const {
  if (timed_out) return "timed out";
  if (term_signal != 0)
    return "killed by signal " + std::to_string(term_signal);
  return "exited with code " + std::to_string(exit_code);
}

Result<std::string> FindProgram(std::string_view name) {
  if (name.find('/') != std::string_view::npos) return std::string(name);
  const char* p = ::getenv("PATH");
  std::string path = p ? p : "/usr/local/bin:/usr/bin:/bin";
  path += ":/usr/local/sbin:/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + std::string(name);
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return NotFoundError("program '" + std::string(name) + "' not found in PATH");
}

std::string SelfExecutable() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  return n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string();
}

Result<std::string> FindSiblingProgram(std::string_view name) {
  if (std::string self = SelfExecutable(); !self.empty()) {
    std::string beside = JoinPath(DirName(self), name);
    if (::access(beside.c_str(), X_OK) == 0) return beside;
  }
  return FindProgram(name);
}

Result<SubprocessResult> RunSubprocess(const std::vector<std::string>& argv,
                                       const SubprocessOptions& o) {
  if (argv.empty() || argv[0].empty())
    return InvalidArgumentError("run: empty argv");
  VZ_ASSIGN_OR_RETURN(std::string path, FindProgram(argv[0]));
  VZ_ASSIGN_OR_RETURN(Spawned s, Spawn(path, argv, o));

  SubprocessResult r;
  const auto deadline = Clock::now() + o.timeout;
  size_t stdin_off = 0, out_line = 0, err_line = 0;
  if (o.stdin_data.empty()) s.in.reset();
  bool exited = false;
  Clock::time_point drain_until{};
  while (s.out || s.err || !exited) {
    struct pollfd fds[4];
    int n = 0;
    auto add = [&](const UniqueFd& fd, short ev) {
      if (fd) fds[n++] = {fd.get(), ev, 0};
    };
    add(s.out, POLLIN);
    add(s.err, POLLIN);
    add(s.in, POLLOUT);
    if (!exited) add(s.pidfd, POLLIN);
    int wait_ms = -1;
    auto now = Clock::now();
    if (o.timeout.count() > 0 && !r.timed_out) {
      wait_ms = static_cast<int>(std::max<long>(
          0,
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)
              .count()));
    }
    if (exited) {
      // The child is gone; a grandchild may hold our pipes. Drain briefly.
      int left = static_cast<int>(std::max<long>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(drain_until -
                                                                   now)
                 .count()));
      wait_ms = wait_ms < 0 ? left : std::min(wait_ms, left);
    }
    int rc = ::poll(fds, n, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return ErrnoError(errno, "poll");
    if (rc == 0) {
      if (!exited) {
        ::kill(-s.pid, SIGKILL);
        r.timed_out = true;
        continue;  // reap below through the pidfd
      }
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      int fd = fds[i].fd;
      if (s.out && fd == s.out.get()) {
        if (!ReadSome(fd, r.out, o.max_output, out_line, o.on_stdout_line))
          s.out.reset();
      } else if (s.err && fd == s.err.get()) {
        if (!ReadSome(fd, r.err, o.max_output, err_line, nullptr))
          s.err.reset();
      } else if (s.in && fd == s.in.get()) {
        ssize_t w = WriteNoSigpipe(fd, o.stdin_data.data() + stdin_off,
                                   o.stdin_data.size() - stdin_off);
        if (w > 0) stdin_off += static_cast<size_t>(w);
        if (w < 0 && errno != EINTR && errno != EAGAIN) s.in.reset();
        if (stdin_off == o.stdin_data.size()) s.in.reset();
      } else if (fd == s.pidfd.get()) {
        int status = 0;
        while (::waitpid(s.pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
        exited = true;
        s.in.reset();
        drain_until = Clock::now() + std::chrono::seconds(2);
      }
    }
  }
  if (r.timed_out) ::kill(-s.pid, SIGKILL);  // stragglers of the group
  if (o.on_stdout_line && out_line < r.out.size()) {
    o.on_stdout_line(std::string_view(r.out).substr(out_line));
  }
  return r;
}

Result<SubprocessResult> RunChecked(const std::vector<std::string>& argv,
                                    const SubprocessOptions& options) {
  VZ_ASSIGN_OR_RETURN(SubprocessResult r, RunSubprocess(argv, options));
  if (r.success()) return r;
  std::string last = r.err;
  while (!last.empty() && (last.back() == '\n' || last.back() == ' '))
    last.pop_back();
  if (auto nl = last.rfind('\n'); nl != std::string::npos)
    last = last.substr(nl + 1);
  std::string msg = "'" + argv[0] + "' " + r.Describe();
  if (!last.empty()) msg += ": " + last;
  return Status(r.timed_out ? Code::kDeadlineExceeded : Code::kInternal, msg);
}

}  // namespace vz
