// ploop-server: the device server of one mounted image. Started by
// `ploop mount` (ploop/mount.h), not by hand:
//   ploop-server --descriptor DD.xml --fuse-dir DIR --control SOCK
//                [--descriptor-memo FILE] [--read-only] [--ready-fd N]
//                [--log FILE]
//                [--uring auto|on|off] [--max-io BYTES] [--depth N]
//                [--nospace-wait SECONDS]
// It reports "ok" or "error EXIT MESSAGE" on the ready descriptor, then
// serves until the image is unmounted.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "base/log.h"
#include "ploop/exit_codes.h"
#include "ploop/server/device_server.h"
#include "ploop/server/process_setup.h"

namespace {

struct Args {
  ploop::server::ServerOptions server;
  int ready_fd = -1;
  std::string log;
  bool foreground = false;
};

vz::Result<Args> ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> vz::Result<std::string> {
      if (i + 1 >= argc)
        return vz::InvalidArgumentError("missing value for '" + k + "'");
      return std::string(argv[++i]);
    };
    if (k == "--read-only") {
      a.server.read_only = true;
    } else if (k == "--foreground") {
      a.foreground = true;
    } else if (k == "--descriptor") {
      VZ_ASSIGN_OR_RETURN(a.server.descriptor, next());
    } else if (k == "--descriptor-memo") {
      VZ_ASSIGN_OR_RETURN(a.server.descriptor_memo, next());
    } else if (k == "--fuse-dir") {
      VZ_ASSIGN_OR_RETURN(a.server.fuse_dir, next());
    } else if (k == "--control") {
      VZ_ASSIGN_OR_RETURN(a.server.control_path, next());
    } else if (k == "--log") {
      VZ_ASSIGN_OR_RETURN(a.log, next());
    } else if (k == "--ready-fd") {
      VZ_ASSIGN_OR_RETURN(auto v, next());
      a.ready_fd = std::atoi(v.c_str());
    } else if (k == "--max-io") {
      VZ_ASSIGN_OR_RETURN(auto v, next());
      a.server.max_io =
          static_cast<uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
    } else if (k == "--depth") {
      VZ_ASSIGN_OR_RETURN(auto v, next());
      a.server.depth = std::atoi(v.c_str());
    } else if (k == "--nospace-wait") {
      VZ_ASSIGN_OR_RETURN(auto v, next());
      char* end = nullptr;
      unsigned long secs = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || v[0] == '-' || secs > 3600) {
        return vz::InvalidArgumentError(
            "--nospace-wait takes seconds from 0 to 3600, not '" + v + "'");
      }
      a.server.nospace_wait_s = static_cast<uint32_t>(secs);
    } else if (k == "--uring") {
      VZ_ASSIGN_OR_RETURN(auto v, next());
      if (v == "on") {
        a.server.uring = ploop::server::UringMode::kOn;
      } else if (v == "off") {
        a.server.uring = ploop::server::UringMode::kOff;
      } else if (v != "auto") {
        return vz::InvalidArgumentError("--uring takes auto, on or off");
      }
    } else {
      return vz::InvalidArgumentError("unknown argument '" + k + "'");
    }
  }
  if (a.server.descriptor.empty() || a.server.fuse_dir.empty() ||
      a.server.control_path.empty()) {
    return vz::InvalidArgumentError(
        "--descriptor, --fuse-dir and --control are required");
  }
  uint32_t io = a.server.max_io;
  if (io < 65536 || io > (1u << 20) || (io & (io - 1))) {
    return vz::InvalidArgumentError(
        "--max-io must be a power of two from 64K to 1M");
  }
  return a;
}

void Ready(int fd, const vz::Status& s) {
  if (fd < 0) return;
  std::string line = s.ok() ? "ok " + std::to_string(::getpid()) + "\n"
                            : "error " + std::to_string(ploop::ExitCodeFor(s)) +
                                  " " + s.message() + "\n";
  (void)!::write(fd, line.data(), line.size());
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  auto args = ParseArgs(argc, argv);
  if (!args.has_value()) {
    std::fprintf(stderr, "ploop-server: %s\n", args.error().message().c_str());
    return ploop::kSysExitParam;
  }
  if (!args->log.empty()) {
    auto sink = vz::FileLogSink::Open(args->log, "ploop-server");
    if (sink.has_value()) vz::SetLogSink(std::move(*sink));
  }
  if (!args->foreground) {
    // Into the background: the starter reaps our first process at once, the
    // server lives on without becoming anybody's zombie.
    pid_t pid = ::fork();
    if (pid < 0) {
      Ready(args->ready_fd, vz::ErrnoError(errno, "fork"));
      return ploop::kSysExitSys;
    }
    if (pid > 0) ::_exit(0);
    ploop::server::DetachFromCaller();
  }
  ploop::server::ProtectFromMemoryPressure();

  // Signals go to one thread that shuts down cleanly; every other thread
  // (created below) inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  VZ_LOG(kInfo) << "starting for '" << args->server.descriptor << "'";
  auto server = ploop::server::DeviceServer::Start(args->server);
  if (!server.has_value()) {
    VZ_LOG(kError) << server.error().message();
    Ready(args->ready_fd, server.error());
    return ploop::ExitCodeFor(server.error());
  }
  Ready(args->ready_fd, vz::OkStatus());
  // Only now: a move between cgroups waits for an RCU grace period (about
  // 10 ms here), which the mount above us need not wait for.
  ploop::server::MoveToRootCgroups();
  std::thread([&set, s = server->get()] {
    int sig = 0;
    while (sigwait(&set, &sig) == 0) {
      if (sig == SIGPIPE) continue;
      VZ_LOG(kInfo) << "signal " << sig << ": shutting down";
      s->Shutdown();
    }
  }).detach();
  vz::Status st = (*server)->Wait();
  if (!st.ok()) {
    VZ_LOG(kError) << "close: " << st.message();
    return ploop::ExitCodeFor(st);
  }
  VZ_LOG(kInfo) << "stopped cleanly";
  return 0;
}
