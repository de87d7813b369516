// Monitor::Run and Supervise: the event loop around one run of the init.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <thread>

#include "base/file_util.h"
#include "base/forked_call.h"
#include "base/log.h"
#include "base/self_cgroup.h"
#include "base/strings.h"
#include "libvz/container.h"
#include "libvz/container/internal.h"
#include "libvz/exit_codes.h"
#include "libvz/journal.h"
#include "libvz/lock.h"
#include "libvz/lxcfs.h"
#include "libvz/monitor/monitor.h"
#include "libvz/storage.h"

namespace vz::monitor {
namespace {

constexpr size_t kConsoleLogBytes = 64 << 10;
constexpr auto kStorageCheck = std::chrono::seconds(2);

UniqueFd BlockedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
}

// The init's way to shut down cleanly: busybox powers off on SIGUSR2,
// systemd on SIGRTMIN+4; SIGTERM for others.
int ShutdownSignal(pid_t init) {
  char buf[256] = {};
  ssize_t n = ::readlink(("/proc/" + std::to_string(init) + "/exe").c_str(),
                         buf, sizeof buf - 1);
  std::string exe(buf, n > 0 ? static_cast<size_t>(n) : 0);
  if (exe.find("systemd") != std::string::npos) return SIGRTMIN + 4;
  if (exe.find("busybox") != std::string::npos) return SIGUSR2;
  return SIGTERM;
}

std::chrono::seconds StopTimeout(const VeConfig& ve) {
  if (auto v = ve.Get("STOP_TIMEOUT")) {
    int s = 0;
    if (std::from_chars(v->data(), v->data() + v->size(), s).ec ==
            std::errc() &&
        s > 0) {
      return std::chrono::seconds(s);
    }
  }
  return std::chrono::seconds(120);
}

}  // namespace

void Monitor::Journal(const std::string& event, const std::string& reason) {
  (void)AppendEvent(node_.events_log(),
                    MakeEvent(options_.ctid, event, reason));
}

// A monitor must survive memory pressure on the node (DESIGN §3) while it
// supervises; its children (the init, the helpers it forks) do not inherit
// the lock. Locked after the start, not before it: every page the start
// touched is locked then as well, but its faults (each moving a page to the
// unevictable list) and the lock itself (0.2-0.3 ms) stay off the start's
// critical path. MCL_ONFAULT: pages are locked as they are used, not all
// faulted in now (18 ms, and memory for code the monitor never runs).
// Again after a restart: the lock holds already, mlockall only confirms.
void Monitor::LockMemory() {
  if (::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0) {
    VZ_LOG(kWarning) << "container '" << options_.ctid
                     << "': lock the monitor's memory: "
                     << std::strerror(errno);
  }
}

void Monitor::Report(const Status& s) {
  if (options_.ready_fd < 0) return;
  std::string line = s.ok() ? "ok\n"
                            : "error " + std::to_string(ExitCodeFor(s)) + " " +
                                  s.message() + "\n";
  (void)!::write(options_.ready_fd, line.data(), line.size());
  ::close(options_.ready_fd);
  options_.ready_fd = -1;
}

void Monitor::WritePidFile() {
  container::PidRecord r{
      .monitor = ::getpid(),
      .start_time = container::ProcStartTime(::getpid()).value_or(0),
      .init = init_pid_ > 0 ? init_pid_ : 0,
      .premounted = options_.premounted};
  (void)WriteRuntimeFile(MonitorPidPath(node_, options_.ctid),
                         container::FormatPidRecord(r), 0644);
}

Status Monitor::Listen() {
  const std::string path = MonitorSocketPath(node_, options_.ctid);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return InvalidArgumentError("socket path '" + path + "' is too long");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ::unlink(path.c_str());
  if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) ||
      ::listen(listen_.get(), 8)) {
    return ErrnoError(errno, "listen on '" + path + "'");
  }
  ::chmod(path.c_str(), 0600);
  return OkStatus();
}

void Monitor::RequestStop(bool fast, std::chrono::seconds timeout) {
  stop_requested_ = true;
  // A recording is cut short (saved as partial) before a shutdown opens
  // its own files; its files are looked at while the container goes down.
  if (recorder_) recorder_->Stop();
  ReapPrefetch(/*stop=*/true);  // a hint: not read on through a shutdown
  if (fast && init_pid_ > 0) {
    // All of the PID namespace at once, then the init: the kernel ends the
    // init only once the rest is gone, but it kills the rest only after
    // the init has closed its files, which for systemd takes 25-50 ms. So
    // they all exit side by side. The recording's files are looked at
    // meanwhile; the sweep then finds an empty cgroup (nothing to freeze),
    // or what was outside the namespace (a helper that joined from the
    // host).
    if (Status s = runtime::KillNamespace(init_pid_); !s.ok()) {
      if (s.code() == Code::kInternal) {
        // Never seen (see ForkInPidNamespace): the monitor's next children
        // start inside the dying namespace, if at all. A requested stop
        // restarts nothing, and the monitor ends with the container.
        VZ_LOG(kError) << "fast stop: " << s.message();
      } else if (s.code() != Code::kNotFound) {
        VZ_LOG(kWarning) << "fast stop: " << s.message();
      }
    }
    ::kill(init_pid_, SIGKILL);
    FlushWhileDying();
    EndRecording(/*window_done=*/false);
    if (init_pidfd_) {
      pollfd p{init_pidfd_.get(), POLLIN, 0};
      (void)::poll(&p, 1, 1000);
    }
    (void)cg_->KillAll(SIGKILL);
    return;
  }
  if (init_pid_ <= 0) {
    EndRecording(/*window_done=*/false);
    return;
  }
  // The container's own stop script runs inside while it still runs.
  Status s = container::RunInsideScript(node_, *ve_, "stop", init_pid_);
  if (!s.ok()) VZ_LOG(kWarning) << s.message();
  ::kill(init_pid_, ShutdownSignal(init_pid_));
  EndRecording(/*window_done=*/false);
  if (timeout.count() <= 0) timeout = StopTimeout(*ve_);
  kill_at_ = std::chrono::steady_clock::now() + timeout;
}

void Monitor::Accept() {
  UniqueFd c(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!c) return;
  // One short request line; a client that sends none in time is dropped.
  pollfd p{c.get(), POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) return;
  char buf[256];
  ssize_t n = ::read(c.get(), buf, sizeof buf - 1);
  if (n <= 0) return;
  auto words = SplitNonEmpty(Trim(std::string_view(buf, size_t(n))), ' ');
  if (words.empty()) return;
  if (words[0] == "stop") {
    bool fast = words.size() > 2 && words[2] == "1";
    skip_umount_ = words.size() > 3 && words[3] == "1";
    int secs = 0;
    if (words.size() > 1) {
      std::from_chars(words[1].data(), words[1].data() + words[1].size(), secs);
    }
    stop_for_good_ = stop_by_client_ = true;
    RequestStop(fast, std::chrono::seconds(secs));
    (void)!::write(c.get(), "ok\n", 3);
  } else if (words[0] == "booted") {
    // Whether the init said READY=1 (notify.cc); "no" also when it cannot.
    const std::string_view reply = booted_ ? "ok\nyes\n" : "ok\nno\n";
    (void)!::write(c.get(), reply.data(), reply.size());
  } else if (words[0] == "console") {
    (void)!::write(c.get(), "ok\n", 3);
    (void)!::write(c.get(), console_log_.data(), console_log_.size());
    console_client_ = std::move(c);
  } else {
    (void)!::write(c.get(), "error unknown request\n", 22);
  }
}

void Monitor::OnClient() {
  char buf[4096];
  ssize_t n = ::read(console_client_.get(), buf, sizeof buf);
  if (n <= 0) {
    console_client_.reset();
    return;
  }
  (void)!::write(pty_master_.get(), buf, static_cast<size_t>(n));
}

void Monitor::OnConsoleOutput() {
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pty_master_.get(), buf, sizeof buf)) > 0) {
    console_log_.append(buf, static_cast<size_t>(n));
    if (console_log_.size() > kConsoleLogBytes) {
      console_log_.erase(0, console_log_.size() - kConsoleLogBytes);
    }
    if (console_client_ && ::send(console_client_.get(), buf,
                                  static_cast<size_t>(n), MSG_NOSIGNAL) < 0) {
      console_client_.reset();
    }
  }
}

// The disk's device server died under a running container.
bool Monitor::StorageLost() {
  if (options_.premounted) return false;
  auto now = std::chrono::steady_clock::now();
  if (now < next_storage_check_) return false;
  next_storage_check_ = now + kStorageCheck;
  auto st = GetStorageState(node_, options_.ctid);
  return st.has_value() && st->mounted && !st->server_alive;
}

void Monitor::CheckLxcfs() {
  const auto now = std::chrono::steady_clock::now();
  if (lxcfs_dir_.empty() || now < next_lxcfs_check_) return;
  next_lxcfs_check_ = now + std::chrono::seconds(2);
  if (LxcfsAlive(lxcfs_dir_)) return;
  // The binds are made from the host's side here (open_tree): no lookup
  // as the container's root.
  auto dir = EnsureLxcfs(node_, /*for_userns=*/false);
  Status s = dir.has_value() ? RebindLxcfs(*dir, init_pid_) : dir.status();
  if (!s.ok()) {
    VZ_LOG(kWarning) << "container '" << options_.ctid
                     << "': lxcfs: " << s.message();
  }
}

ExitInfo Monitor::Supervise() {
  UniqueFd sigfd = BlockedSignals();
  next_storage_check_ = std::chrono::steady_clock::now() + kStorageCheck;
  for (;;) {
    // poll passes over the entries without a descriptor (-1).
    pollfd fds[6] = {
        {init_pidfd_.get(), POLLIN, 0},     {listen_.get(), POLLIN, 0},
        {pty_master_.get(), POLLIN, 0},     {sigfd.get(), POLLIN, 0},
        {console_client_.get(), POLLIN, 0}, {notify_.get(), POLLIN, 0}};
    ::poll(fds, 6, 500);
    if (fds[5].revents & POLLIN) OnNotify();
    if (fds[2].revents & POLLIN) OnConsoleOutput();
    if (fds[1].revents & POLLIN) Accept();
    if (console_client_ && (fds[4].revents & (POLLIN | POLLHUP))) OnClient();
    if (fds[3].revents & POLLIN) {
      signalfd_siginfo si;
      while (::read(sigfd.get(), &si, sizeof si) == sizeof si) {
      }
      stop_for_good_ = true;
      RequestStop(false, std::chrono::seconds(0));
    }
    if (kill_at_ && std::chrono::steady_clock::now() >= *kill_at_) {
      killed_after_timeout_ = true;
      kill_at_.reset();
      (void)cg_->KillAll(SIGKILL);
    }
    if (uint64_t oom = cg_->OomKills().value_or(oom_seen_); oom > oom_seen_) {
      oom_seen_ = oom;
      Journal("oom-kill", "a process inside was killed by the OOM killer");
    }
    CheckLxcfs();
    if (recorder_ && std::chrono::steady_clock::now() >= record_until_) {
      EndRecording(/*window_done=*/true);
    }
    ReapPrefetch(/*stop=*/false);
    CheckUnreadBootSet();
    if (!storage_lost_ && StorageLost()) {
      storage_lost_ = true;
      (void)cg_->KillAll(SIGKILL);
    }
    if (fds[0].revents & POLLIN) {
      int status = 0;
      if (::waitpid(init_pid_, &status, WNOHANG) != init_pid_) continue;
      OnConsoleOutput();
      uint64_t oom = cg_->OomKills().value_or(oom_at_start_);
      return Classify({.wait_status = status,
                       .stop_requested = stop_requested_,
                       .killed_after_timeout = killed_after_timeout_,
                       .oom_kills = oom - oom_at_start_,
                       .storage_lost = storage_lost_});
    }
  }
}

void Monitor::FlushWhileDying() {
  // A second fast stop: the first one's flush runs on (replacing it would
  // wait for it here).
  if (!ve_ || flush_) return;
  // It only spares the unmount work: none follows a stop that leaves the
  // disk mounted, whose writeback goes on as usual.
  if (options_.premounted || skip_umount_) return;
  auto root = ve_->VeRoot(node_);
  if (!root.has_value()) return;
  // Only stdio: the child holds no lock or socket of ours while it waits.
  auto call = ForkedCall::Start(
      [path = *root]() -> Status {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd) return ErrnoError(errno, "open '" + path + "'");
        // Only the container's own filesystem: a root on a host directory
        // or a bind mount would sync the host's, which on a busy node
        // takes as long as all its dirty data does.
        VZ_RETURN_IF_ERROR(storage::CheckDiskRoot(fd.get(), path));
        if (::syncfs(fd.get()) != 0) return ErrnoError(errno, "syncfs");
        return OkStatus();
      },
      ForkedCall::Files::kStdio);
  if (call.has_value()) flush_.emplace(std::move(*call));
}

void Monitor::Finish(const ExitInfo& info) {
  init_pidfd_.reset();
  init_pid_ = -1;
  WritePidFile();
  // Unmounting is a mutation: under the container lock, which a vzctl stop
  // already holds for us while it waits.
  std::optional<ContainerLock> lock;
  if (!stop_by_client_) {
    // Bounded: a vzctl stop racing with the init's own exit holds it while
    // it asks us to stop, which is answered meanwhile.
    lock = LockUnlessStopRequested(std::chrono::seconds(10));
  }
  // The reader first: its report is read complete, and it writes nothing
  // after the recording has removed it.
  ReapPrefetch(/*stop=*/true);
  EndRecording(/*window_done=*/false);
  CloseNotify();
  // The cgroup and network go while the flush still writes (they need no
  // disk); the unmount after it.
  Status s = ve_ ? container::TearDownRuntime(node_, *ve_) : OkStatus();
  if (flush_) {
    (void)flush_->Wait();  // a hint: the unmount writes what it did not
    flush_.reset();
  }
  if (ve_) {
    Status storage = container::TearDownStorage(
        node_, *ve_, options_.premounted || skip_umount_);
    if (s.ok()) s = storage;
    if (!s.ok()) VZ_LOG(kWarning) << "clean up: " << s.message();
  }
  ended_recorder_.reset();  // its group's close waits less now
  console_client_.reset();
  pty_master_.reset();
  pty_slave_.reset();
  Journal(info.event, info.reason);
}

// The monitor belongs to the node, not to whoever started it (a vzctl in
// a user's session, vzd): the root of every hierarchy, where a memory
// limit or freeze of the caller's cgroup cannot reach it; and the OOM
// killer passes it by where the kernel lets us ask (CAP_SYS_RESOURCE).
bool Monitor::LeaveCallersCgroupsNow() {
  UniqueFd adj(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
  if (adj && ::write(adj.get(), "-1000", 5) < 0) {
    VZ_LOG(kInfo) << "oom_score_adj -1000: " << std::strerror(errno);
  }
  auto fs = cgroup::Detect();
  if (!fs.has_value()) return false;
  std::unique_ptr<cgroup::Cgroup> root = cgroup::Open(*fs, "");
  if (!root->CheapSelfAttach() || !SingleThreaded()) return false;
  if (!InRootCgroups()) {
    if (Status s = root->AttachSelf(); !s.ok()) {
      VZ_LOG(kWarning) << "leave the caller's cgroup: " << s.message();
      return false;
    }
  }
  home_cg_ = std::move(root);
  return true;
}

std::optional<ForkedCall> Monitor::LeaveCallersCgroups() {
  if (InRootCgroups()) return std::nullopt;
  auto fs = cgroup::Detect();
  if (!fs.has_value()) return std::nullopt;
  auto call = ForkedCall::Start(
      [&fs, pid = ::getpid()] { return cgroup::Open(*fs, "")->Attach(pid); });
  if (!call.has_value()) {
    VZ_LOG(kWarning) << "leave the caller's cgroup: " << call.error().message();
    return std::nullopt;
  }
  return std::move(*call);
}

// Sleeps before a restart while still answering the socket; false when a
// stop request or a signal ends the wait (no restart then).
bool Monitor::WaitBackoff(std::chrono::seconds wait, int sigfd) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    pollfd fds[2] = {{listen_.get(), POLLIN, 0}, {sigfd, POLLIN, 0}};
    ::poll(fds, 2, 100);
    if (fds[1].revents & POLLIN) return false;
    if (fds[0].revents & POLLIN) {
      Accept();  // init_pid_ is -1: a stop only marks the request
      if (stop_requested_) return false;
    }
  }
  return true;
}

std::optional<ContainerLock> Monitor::LockUnlessStopRequested(
    std::chrono::seconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    auto lock = ContainerLock::Acquire(node_.lock_dir(), options_.ctid);
    if (lock.has_value()) return std::move(*lock);
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    pollfd p{listen_.get(), POLLIN, 0};
    if (::poll(&p, 1, 20) == 1) Accept();  // init_pid_ is -1: a stop marks
    if (stop_by_client_) return std::nullopt;
  }
}

int Monitor::Run() {
  UniqueFd sigfd = BlockedSignals();
  // Traversable, not listable: containers bind their device nodes from
  // run/vz/dev; the sockets inside are 0600.
  (void)MakeDirs(node_.root().Path("/run/vz"), 0711);
  WritePidFile();
  int code = 0;
  if (Status s = Listen(); !s.ok()) {
    WaitCgroupLeave();
    Report(s);
    ::unlink(MonitorPidPath(node_, options_.ctid).c_str());
    return ExitCodeFor(s);
  }
  ContainerLock restart_lock;
  for (int attempt = 0;; ++attempt) {
    Status s = Boot();
    restart_lock.Release();
    if (!s.ok()) {
      // Gone before the caller hears of it: a failed start leaves nothing.
      ::unlink(MonitorSocketPath(node_, options_.ctid).c_str());
      ::unlink(MonitorPidPath(node_, options_.ctid).c_str());
      if (options_.ready_fd >= 0) {
        code = ExitCodeFor(s);
        Report(s);
      } else {
        Journal("start-failed", s.message());
      }
      return code;
    }
    Report(s);
    LockMemory();
    ExitInfo info = Supervise();
    Finish(info);
    const bool on_failure =
        ve_ && ve_->Get("AUTORESTART").value_or("no") == "on-failure";
    if (stop_for_good_ || !ShouldRestart(info, on_failure)) break;
    if (info.restart != Restart::kAlways) {
      if (!WaitBackoff(std::chrono::seconds(BackoffSeconds(attempt)),
                       sigfd.get())) {
        break;
      }
    } else {
      attempt = -1;
    }
    // Restarts run under the container lock, as vzctl start does; a stop
    // asked meanwhile (holding it) ends the monitor instead.
    auto lock = LockUnlessStopRequested(std::chrono::seconds(60));
    if (!lock.has_value()) break;
    restart_lock = std::move(*lock);
    stop_requested_ = killed_after_timeout_ = storage_lost_ = false;
    stop_by_client_ = skip_umount_ = false;
    kill_at_.reset();
  }
  ::unlink(MonitorSocketPath(node_, options_.ctid).c_str());
  ::unlink(MonitorPidPath(node_, options_.ctid).c_str());
  return code;
}

}  // namespace vz::monitor

namespace vz {

int RunMonitor(const NodeConfig& node, const MonitorOptions& options) {
  monitor::Monitor m(node, options);
  return m.Run();
}

}  // namespace vz
