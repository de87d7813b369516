// StartContainer: launch the monitor and wait until it says the init runs.
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <optional>
#include <thread>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "libvz/container.h"
#include "libvz/container/internal.h"
#include "libvz/exit_codes.h"
#include "libvz/lock.h"
#include "libvz/util/detach.h"

namespace vz {
namespace {

Result<std::string> MonitorBinary(const StartOptions& options) {
  if (!options.monitor_binary.empty()) return options.monitor_binary;
  return FindSiblingProgram("vz-monitor");
}

// The monitor puts itself in the background (its first process exits at
// once), so it belongs to no caller, in a session of its own; its first
// report comes back on the returned pipe.
Result<UniqueFd> LaunchMonitor(const NodeConfig& node, std::string_view ctid,
                               const std::string& binary, bool premounted,
                               bool boot_weight) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return ErrnoError(errno, "pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  const std::string log = node.root().Path("/var/log/vz/monitor.log");
  (void)MakeDirs(DirName(log));
  std::vector<std::string> args = {
      binary,       "--root", node.root().root(), "--ctid", std::string(ctid),
      "--ready-fd", "3"};
  if (premounted) args.push_back("--premounted");
  if (boot_weight) args.push_back("--boot-weight");
  VZ_RETURN_IF_ERROR(SpawnSelfDetaching(std::move(args), log, wr.get()));
  return rd;
}

Status ReadReport(int fd, std::string_view ctid) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, size_t(n));
  text = std::string(Trim(text));
  if (text == "ok") return OkStatus();
  if (text.starts_with("error ")) {
    auto rest = text.substr(6);
    auto sp = rest.find(' ');
    int code = kVzEnvCreateError;
    std::from_chars(rest.data(), rest.data() + sp, code);
    return Status(Code::kFailedPrecondition, "start container '" +
                                                 std::string(ctid) +
                                                 "': " + rest.substr(sp + 1))
        .WithExitCode(code);
  }
  return InternalError("start container '" + std::string(ctid) +
                       "': the monitor died without a report")
      .WithExitCode(kVzEnvCreateError);
}

// What the container's systemd answers to `systemctl is-system-running`
// ("running" once booted), or "" when the exec failed.
std::string AskSystemd(const NodeConfig& node, std::string_view ctid) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return "";
  int saved = ::dup(1);
  ::dup2(p[1], 1);
  ::close(p[1]);
  auto rc = ExecInContainer(node, ctid, {"systemctl", "is-system-running"});
  ::dup2(saved, 1);
  ::close(saved);
  std::string out(256, '\0');
  ssize_t n = ::read(p[0], out.data(), out.size());
  ::close(p[0]);
  out.resize(n > 0 ? size_t(n) : 0);
  return rc.has_value() ? std::string(Trim(out)) : "";
}

// Whether the init said READY=1 to its monitor (sd_notify; doc/runtime.md
// §4); nullopt when the monitor cannot say (one older than the request).
std::optional<bool> MonitorHeardReady(const NodeConfig& node,
                                      std::string_view ctid) {
  auto conn = container::ConnectMonitor(node, ctid, "booted\n");
  if (!conn.has_value()) return std::nullopt;
  char buf[8];
  ssize_t n = ::read(conn->get(), buf, sizeof buf);
  return n > 0 && std::string_view(buf, size_t(n)).starts_with("yes");
}

// systemd is up once it said READY=1 to the monitor, which it does at the
// end of its startup, or when `systemctl is-system-running` says running
// or degraded; any other init when it runs. The monitor is asked every 20
// ms (a socket's round trip); systemd itself, an exec into the container,
// every second: for one that never says READY=1.
Status WaitBooted(const NodeConfig& node, std::string_view ctid,
                  std::chrono::seconds timeout) {
  constexpr auto kAskMonitor = std::chrono::milliseconds(20);
  constexpr int kAskSystemdEvery = 50;  // times kAskMonitor
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string said;
  for (int round = 0;; ++round) {
    VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(node, ctid));
    if (!st.running()) {
      return FailedPreconditionError("container '" + std::string(ctid) +
                                     "' stopped while booting")
          .WithExitCode(kVzWaitFailed);
    }
    const std::string root = "/proc/" + std::to_string(st.init_pid) + "/root";
    const bool systemd = PathExists(root + "/usr/bin/systemctl") ||
                         PathExists(root + "/bin/systemctl");
    if (!systemd) return OkStatus();
    const std::optional<bool> ready = MonitorHeardReady(node, ctid);
    if (ready == true) return OkStatus();
    if (!ready.has_value() ||
        round % kAskSystemdEvery == kAskSystemdEvery - 1) {
      said = AskSystemd(node, ctid);
      if (said == "running" || said == "degraded") return OkStatus();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return DeadlineExceededError("container '" + std::string(ctid) +
                                   "' did not finish booting: " +
                                   (said.empty() ? "no answer" : said))
          .WithExitCode(kVzWaitFailed);
    }
    std::this_thread::sleep_for(
        ready.has_value() ? kAskMonitor : std::chrono::milliseconds(500));
  }
}

}  // namespace

Status StartContainer(const NodeConfig& node, std::string_view ctid,
                      const StartOptions& options) {
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(node, ctid));
  if (ve.Get("DISABLED") == "yes" && !options.force) {
    return FailedPreconditionError("container '" + std::string(ctid) +
                                   "' is disabled (DISABLED=\"yes\"; --force "
                                   "starts it anyway)")
        .WithExitCode(kVzVeStartDisabled);
  }
  VZ_ASSIGN_OR_RETURN(
      ContainerLock lock,
      ContainerLock::Acquire(node.lock_dir(), ctid,
                             {.wait = std::chrono::seconds(10)}));
  VZ_ASSIGN_OR_RETURN(RunState st, GetRunState(node, ctid));
  if (st.running()) {
    return FailedPreconditionError("container '" + std::string(ctid) +
                                   "' is already running")
        .WithExitCode(kVzVeRunning);
  }
  if (st.status == RunStatus::kStale) {
    lock.Release();
    VZ_RETURN_IF_ERROR(RecoverContainer(node, ctid).status());
    VZ_ASSIGN_OR_RETURN(
        lock, ContainerLock::Acquire(node.lock_dir(), ctid,
                                     {.wait = std::chrono::seconds(10)}));
  }
  VZ_ASSIGN_OR_RETURN(std::string binary, MonitorBinary(options));
  VZ_ASSIGN_OR_RETURN(UniqueFd report,
                      LaunchMonitor(node, ctid, binary, options.premounted,
                                    options.boot_weight));
  VZ_RETURN_IF_ERROR(ReadReport(report.get(), ctid));
  lock.Release();
  if (options.wait) {
    VZ_RETURN_IF_ERROR(WaitBooted(node, ctid, options.wait_timeout));
  }
  return OkStatus();
}

}  // namespace vz
