#include "ploop/mount.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "base/file_util.h"
#include "base/log.h"
#include "base/reverter.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "ploop/check.h"
#include "ploop/control_client.h"
#include "ploop/exit_codes.h"
#include "ploop/fs.h"
#include "ploop/lib/loop_device.h"
#include "ploop/lib/proc.h"
#include "ploop/server_log.h"

extern char** environ;

namespace ploop {
namespace {

constexpr int kServerStartMs = 30000;
constexpr int kServerStopMs = 30000;

std::string Canonical(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string StateRoot(const vz::NodeRoot& node) {
  return node.Path("/run/ploop");
}

// FNV-1a of the canonical descriptor path: a stable, short directory name.
std::string MountId(const std::string& descriptor) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : descriptor) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string FormatState(const MountInfo& m) {
  std::string s;
  s += "descriptor=" + m.descriptor + "\n";
  s += "pid=" + std::to_string(m.pid) + "\n";
  s += "pid_start=" + std::to_string(m.pid_start) + "\n";
  s += "device=" + m.device + "\n";
  s += "mount_point=" + m.mount_point + "\n";
  s += "read_only=" + std::string(m.read_only ? "1" : "0") + "\n";
  return s;
}

MountInfo ParseState(const std::string& dir, const std::string& text) {
  MountInfo m;
  m.state_dir = dir;
  m.fuse_dir = dir + "/dev";
  m.control = dir + "/control.sock";
  for (const auto& line : vz::Split(text, '\n')) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "descriptor") m.descriptor = v;
    if (k == "pid") m.pid = std::atoi(v.c_str());
    if (k == "pid_start") m.pid_start = std::strtoull(v.c_str(), nullptr, 10);
    if (k == "device") m.device = v;
    if (k == "mount_point") m.mount_point = v;
    if (k == "read_only") m.read_only = v == "1";
  }
  auto st = ProcessStartTime(m.pid);
  m.alive = st && *st == m.pid_start;
  return m;
}

vz::Result<MountInfo> ReadState(const std::string& dir) {
  VZ_ASSIGN_OR_RETURN(std::string text, vz::ReadFile(dir + "/state"));
  return ParseState(dir, text);
}

// Starts ploop-server and waits for its "ok PID" (or "error EXIT MSG").
vz::Result<std::pair<pid_t, uint64_t>> StartServer(const MountInfo& m,
                                                   const MountOptions& o) {
  VZ_ASSIGN_OR_RETURN(std::string bin, ServerBinary());
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return vz::ErrnoError(errno, "pipe");
  vz::UniqueFd rd(p[0]), wr(p[1]);
  std::vector<std::string> args = {bin,
                                   "--descriptor",
                                   m.descriptor,
                                   "--fuse-dir",
                                   m.fuse_dir,
                                   "--control",
                                   m.control,
                                   "--log",
                                   m.state_dir + "/server.log",
                                   "--ready-fd",
                                   "3",
                                   "--uring",
                                   o.uring};
  if (o.read_only) args.push_back("--read-only");
  if (o.nospace_wait_s >= 0) {
    args.insert(args.end(),
                {"--nospace-wait", std::to_string(o.nospace_wait_s)});
  }
  if (!o.descriptor_memo.empty()) {
    args.insert(args.end(), {"--descriptor-memo", o.descriptor_memo});
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 3);
  pid_t child = 0;
  int rc = posix_spawn(&child, bin.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return vz::ErrnoError(rc, "start '" + bin + "'");
  wr.reset();
  std::string reply;
  char buf[512];
  for (;;) {
    pollfd pf{rd.get(), POLLIN, 0};
    int n = ::poll(&pf, 1, kServerStartMs);
    if (n == 0) break;
    ssize_t got = ::read(rd.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    reply.append(buf, static_cast<size_t>(got));
  }
  // The server forks into the background; reap the first process.
  ::waitpid(child, nullptr, 0);
  while (!reply.empty() && reply.back() == '\n') reply.pop_back();
  if (reply.rfind("ok ", 0) == 0) {
    pid_t pid = std::atoi(reply.c_str() + 3);
    auto start = ProcessStartTime(pid);
    if (!start)
      return vz::InternalError("device server exited right after starting");
    return std::make_pair(pid, *start);
  }
  if (reply.rfind("error ", 0) == 0) {
    auto sp = reply.find(' ', 6);
    int exit = std::atoi(reply.substr(6, sp - 6).c_str());
    std::string msg =
        sp == std::string::npos ? "device server failed" : reply.substr(sp + 1);
    vz::Code code = exit == kSysExitPloopInUse ? vz::Code::kFailedPrecondition
                    : exit == kSysExitFlock    ? vz::Code::kUnavailable
                    : exit == kSysExitPloopFmt ? vz::Code::kDataLoss
                    : exit == kSysExitOpen     ? vz::Code::kNotFound
                                               : vz::Code::kInternal;
    return vz::Status(code, msg).WithExitCode(exit);
  }
  // Its log goes with the state directory; the errors in it are kept in
  // the node's /var/log/ploop.log (KeepServerTrouble).
  return vz::InternalError("device server of '" + m.descriptor +
                           "' did not start (its errors, if it logged any, "
                           "are in the node's /var/log/ploop.log)")
      .WithExitCode(kSysExitSys);
}

// Stops the server of `m` (it ends once nothing holds its files) and waits.
vz::Status StopServer(const MountInfo& m) {
  if (!m.alive) {
    ::umount2(m.fuse_dir.c_str(), MNT_DETACH);
    return vz::OkStatus();
  }
  auto c = ControlClient::Connect(m.control);
  if (c.has_value()) {
    (void)(*c)->Call(ControlMessage{"shutdown", {}});
  } else {
    ::umount2(m.fuse_dir.c_str(), MNT_DETACH);
  }
  if (WaitProcessGone(m.pid, m.pid_start, kServerStopMs)) {
    return vz::OkStatus();
  }
  // Seen under heavy load: the FUSE connection outlives its detached mount
  // for a long time and the server waits on it. Nothing of ours uses the
  // image any more (the filesystem and the loop device are gone), so the
  // server is killed; the in-use flag it could not clear makes the next
  // mount check the image first.
  VZ_LOG(kWarning) << "device server " << m.pid << " of '" << m.descriptor
                   << "' did not stop in " << kServerStopMs / 1000
                   << " s: killing it";
  if (ProcessStartTime(m.pid) == m.pid_start) ::kill(m.pid, SIGKILL);
  if (!WaitProcessGone(m.pid, m.pid_start, 5000)) {
    return vz::DeadlineExceededError("device server " + std::to_string(m.pid) +
                                     " of '" + m.descriptor + "' did not stop")
        .WithExitCode(kSysExitUmount);
  }
  return vz::OkStatus();
}

// Undoes whatever of `m` still exists, server dead or alive. Stops at a
// busy mount point without changing anything. The server's errors and
// warnings outlive its state directory (ploop/server_log.h).
vz::Status TearDown(const vz::NodeRoot& node, const MountInfo& m) {
  if (!m.mount_point.empty()) {
    for (const auto& e : FindMountsOf(m.device)) {
      if (::umount2(e.mount_point.c_str(), 0) != 0) {
        if (errno == EBUSY) {
          return vz::UnavailableError("mount point '" + e.mount_point +
                                      "' is busy")
              .WithExitCode(kSysExitUmount);
        }
        if (errno != EINVAL && errno != ENOENT) {
          return vz::ErrnoError(errno, "unmount '" + e.mount_point + "'")
              .WithExitCode(kSysExitUmount);
        }
      }
    }
  }
  if (!m.device.empty() &&
      LoopBackingFile(m.device).rfind(m.fuse_dir, 0) == 0) {
    if (!WaitLoopFree(m.device, 200)) VZ_RETURN_IF_ERROR(DetachLoop(m.device));
    if (!WaitLoopFree(m.device, 5000)) {
      return vz::UnavailableError("loop device '" + m.device + "' stays busy")
          .WithExitCode(kSysExitUmount);
    }
  }
  VZ_RETURN_IF_ERROR(StopServer(m));
  if (FindMountPoint(m.fuse_dir)) ::umount2(m.fuse_dir.c_str(), MNT_DETACH);
  KeepServerTrouble(node, m.descriptor, m.state_dir + "/server.log");
  return vz::RemoveTree(m.state_dir);
}

}  // namespace

bool FilesystemMounted(const std::string& device,
                       const std::string& mount_point) {
  auto at = FindMountPoint(mount_point);
  return at && at->source == device;
}

vz::Result<std::string> ServerBinary() {
  if (const char* env = std::getenv("VZ_PLOOP_SERVER"); env && *env)
    return std::string(env);
  auto p = vz::FindSiblingProgram("ploop-server");
  if (!p.has_value()) return std::move(p).error().WithExitCode(kSysExitSys);
  return p;
}

vz::Result<std::vector<MountInfo>> ListMounts(const vz::NodeRoot& node) {
  std::vector<MountInfo> out;
  std::string root = StateRoot(node);
  if (!vz::PathExists(root)) return out;
  VZ_ASSIGN_OR_RETURN(auto names, vz::ListDir(root));
  for (const auto& n : names) {
    auto m = ReadState(vz::JoinPath(root, n));
    if (m.has_value()) out.push_back(std::move(*m));
  }
  return out;
}

vz::Result<std::optional<MountInfo>> FindMount(const vz::NodeRoot& node,
                                               const std::string& what) {
  std::string canon = Canonical(what);
  VZ_ASSIGN_OR_RETURN(auto all, ListMounts(node));
  for (auto& m : all) {
    if (m.descriptor == canon ||
        m.descriptor == Canonical(vz::JoinPath(canon, "DiskDescriptor.xml")) ||
        (!m.mount_point.empty() && m.mount_point == canon) ||
        m.device == what) {
      return std::optional<MountInfo>(m);
    }
  }
  return std::optional<MountInfo>();
}

namespace {

// The transport the server is to use: `uring`, or for "auto" the
// environment's VZ_PLOOP_URING when set (mount.h). Errors: kInvalidArgument
// (SYSEXIT_PARAM) naming a value that is not auto, on or off.
vz::Result<std::string> Transport(const std::string& uring) {
  std::string what = "--uring", v = uring;
  if (const char* e = std::getenv("VZ_PLOOP_URING"); v == "auto" && e && *e) {
    what = "VZ_PLOOP_URING";
    v = e;
  }
  if (v != "auto" && v != "on" && v != "off") {
    return vz::InvalidArgumentError(what + " is '" + v +
                                    "': expected auto, on or off")
        .WithExitCode(kSysExitParam);
  }
  return v;
}

}  // namespace

vz::Result<MountInfo> Mount(const vz::NodeRoot& node,
                            const std::string& descriptor,
                            const MountOptions& options) {
  MountOptions o = options;
  VZ_ASSIGN_OR_RETURN(o.uring, Transport(options.uring));
  MountInfo m;
  std::string dd = descriptor;
  struct stat st;
  if (::stat(dd.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    dd = vz::JoinPath(dd, "DiskDescriptor.xml");
  if (::stat(dd.c_str(), &st) != 0) {
    return vz::ErrnoError(errno, "image '" + dd + "'")
        .WithExitCode(kSysExitOpen);
  }
  m.descriptor = Canonical(dd);
  m.read_only = o.read_only;
  VZ_ASSIGN_OR_RETURN(auto existing, FindMount(node, m.descriptor));
  if (existing) {
    if (existing->alive) {
      return vz::AlreadyExistsError(
                 "image '" + m.descriptor + "' is already mounted" +
                 (existing->mount_point.empty()
                      ? ""
                      : " on '" + existing->mount_point + "'"))
          .WithExitCode(kSysExitEbusy);
    }
    VZ_LOG(kInfo) << "cleaning up a stale mount of '" << m.descriptor
                  << "' (server " << existing->pid << " is gone)";
    VZ_RETURN_IF_ERROR(
        TearDown(node, *existing).WithContext("clean up stale mount"));
  }
  if (!o.mount_point.empty()) {
    VZ_RETURN_IF_ERROR(
        vz::MakeDirs(o.mount_point).WithDefaultExitCode(kSysExitMkdir));
    m.mount_point = Canonical(o.mount_point);
    if (auto busy = FindMountPoint(m.mount_point)) {
      return vz::FailedPreconditionError("mount point '" + m.mount_point +
                                         "' is in use (" + busy->source +
                                         " is mounted there)")
          .WithExitCode(kSysExitMount);
    }
  }
  m.state_dir = vz::JoinPath(StateRoot(node), MountId(m.descriptor));
  m.fuse_dir = m.state_dir + "/dev";
  m.control = m.state_dir + "/control.sock";
  vz::Reverter undo;
  VZ_RETURN_IF_ERROR(
      vz::MakeDirs(m.fuse_dir, 0700).WithDefaultExitCode(kSysExitMkdir));
  undo.Add([&] {
    KeepServerTrouble(node, m.descriptor, m.state_dir + "/server.log");
    (void)vz::RemoveTree(m.state_dir);
  });
  auto server = StartServer(m, o);
  if (!server.has_value() && server.error().exit_code() == kSysExitPloopInUse) {
    // The last writer died (a crash, a killed server): check and repair, as
    // ploop does at mount time, then try again.
    VZ_LOG(kWarning) << "'" << m.descriptor
                     << "' was not closed cleanly: checking it";
    CheckOptions co;
    co.repair = true;
    VZ_ASSIGN_OR_RETURN(CheckReport report, CheckImage(m.descriptor, co));
    for (const auto& f : report.findings) {
      VZ_LOG(kWarning) << "check: " << f.file << ": " << f.message
                       << (f.fixed ? " (fixed)" : "");
    }
    if (report.problems_remain()) {
      return vz::DataLossError("image '" + m.descriptor +
                               "' has problems 'ploop check -r' could not fix")
          .WithExitCode(kSysExitPloopFmt);
    }
    server = StartServer(m, o);
  }
  if (!server.has_value()) return std::move(server).error();
  m.pid = server->first;
  m.pid_start = server->second;
  m.alive = true;
  undo.Add([&] { (void)StopServer(m); });
  LoopAttach la;
  la.read_only = o.read_only;
  la.autoclear = !o.mount_point.empty();
  VZ_ASSIGN_OR_RETURN(AttachedLoop loop, AttachLoop(m.fuse_dir + "/part", la));
  m.device = loop.device;
  undo.Add([&] {
    if (!WaitLoopFree(m.device, 100)) (void)DetachLoop(m.device);
    WaitLoopFree(m.device, 5000);
  });
  if (!m.mount_point.empty()) {
    if (!o.read_only && o.fs_type == "ext4") {
      // A grow that could not finish online (no CAP_SYS_RESOURCE for ext4's
      // online resize) completes here, before the filesystem is in use.
      auto grew = GrowFilesystemToDevice(m.device);
      if (!grew.has_value())
        return std::move(grew).error().WithContext("grow the filesystem");
      if (*grew)
        VZ_LOG(kInfo) << "grew the filesystem of '" << m.descriptor
                      << "' to its disk";
    }
    unsigned long flags = o.read_only ? MS_RDONLY : 0;
    if (::mount(m.device.c_str(), m.mount_point.c_str(), o.fs_type.c_str(),
                flags,
                o.fs_options.empty() ? nullptr : o.fs_options.c_str()) != 0) {
      return vz::ErrnoError(
                 errno, "mount '" + m.device + "' on '" + m.mount_point + "'")
          .WithExitCode(kSysExitMount);
    }
    undo.Add([&] { ::umount2(m.mount_point.c_str(), 0); });
  }
  loop.fd.reset();  // the mount (or, device-only, the attachment) holds it now
  VZ_RETURN_IF_ERROR(
      vz::WriteRuntimeFile(m.state_dir + "/state", FormatState(m), 0600));
  undo.Commit();
  return m;
}

vz::Status Umount(const vz::NodeRoot& node, const std::string& what) {
  VZ_ASSIGN_OR_RETURN(auto m, FindMount(node, what));
  if (!m) {
    return vz::NotFoundError("'" + what + "' is not a mounted ploop image")
        .WithExitCode(kSysExitDevNotMounted);
  }
  return TearDown(node, *m);
}

}  // namespace ploop
