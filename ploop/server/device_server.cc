#include "ploop/server/device_server.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <thread>

#include "base/file_util.h"
#include "base/log.h"
#include "ploop/exit_codes.h"
#include "ploop/server/process_setup.h"
#include "ploop/server/request.h"

namespace ploop::server {
namespace {

constexpr char kUringParam[] = "/sys/module/fuse/parameters/enable_uring";

// FUSE-over-io_uring is off by default in the kernel; `auto` turns the
// module parameter on when it exists (doc/adr/0002).
bool UringAvailable(UringMode mode) {
  if (mode == UringMode::kOff) return false;
  auto v = vz::ReadFile(kUringParam);
  if (!v.has_value()) return false;
  if (!v->empty() && (*v)[0] == 'Y') return true;
  int fd = ::open(kUringParam, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, "Y", 1) == 1;
  ::close(fd);
  if (ok) VZ_LOG(kInfo) << "enabled FUSE over io_uring (" << kUringParam << ")";
  return ok;
}

}  // namespace

DeviceServer::~DeviceServer() {
  control_.Stop();
  for (auto& w : workers_) w->Stop();
  for (auto& t : worker_threads_) {
    if (t.joinable()) t.join();
  }
}

vz::Result<std::unique_ptr<DeviceServer>> DeviceServer::Start(
    const ServerOptions& o) {
  std::unique_ptr<DeviceServer> s(new DeviceServer());
  s->opt_ = o;
  s->started_ns_ = NowNs();
  OpenParams p;
  p.read_only = o.read_only;
  p.direct_io = true;
  p.descriptor_memo = o.descriptor_memo;
  p.defer_in_use = true;
  VZ_ASSIGN_OR_RETURN(s->image_, Image::Open(o.descriptor, p));
  s->engine_ = std::make_unique<BlockEngine>(s->image_.get());
  VZ_RETURN_IF_ERROR(s->engine_->RescanPartition());
  // The in-use flag (a write and a sync of the top delta's header, about
  // 0.25 ms of the host disk's time) is set while the FUSE mount and the
  // transports start, and is on disk before the control socket opens and
  // this returns: the caller reports ready only then, so no write (nor a
  // control command) can come before it.
  vz::Status in_use;
  std::thread marker(
      [&in_use, image = s->image_.get()] { in_use = image->MarkInUse(); });
  vz::Status started = s->MountAndServe();
  marker.join();
  VZ_RETURN_IF_ERROR(in_use);
  VZ_RETURN_IF_ERROR(started);
  s->RegisterControl();
  VZ_RETURN_IF_ERROR(s->control_.Start(o.control_path));
  return s;
}

vz::Status DeviceServer::MountAndServe() {
  fs_ = std::make_unique<FuseFs>(engine_.get());
  VZ_RETURN_IF_ERROR(MountFuse());
  return StartTransports();
}

vz::Status DeviceServer::MountFuse() {
  fuse_fd_.reset(::open("/dev/fuse", O_RDWR | O_CLOEXEC));
  if (!fuse_fd_)
    return vz::ErrnoError(errno, "open '/dev/fuse'")
        .WithExitCode(kSysExitDevice);
  std::string opts =
      "fd=" + std::to_string(fuse_fd_.get()) +
      ",rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions,"
      "max_read=" +
      std::to_string(opt_.max_io);
  if (::mount("ploop", opt_.fuse_dir.c_str(), "fuse.ploop",
              MS_NOSUID | MS_NODEV | MS_NOEXEC, opts.c_str()) != 0) {
    return vz::ErrnoError(errno, "mount FUSE at '" + opt_.fuse_dir + "'")
        .WithExitCode(kSysExitMount);
  }
  return vz::OkStatus();
}

vz::Status DeviceServer::StartTransports() {
  bool want_uring = UringAvailable(opt_.uring);
  if (opt_.uring == UringMode::kOn && !want_uring) {
    return vz::UnavailableError(
        "FUSE over io_uring is not available on this kernel");
  }
  int ncpu = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  classic_ = std::make_unique<ClassicTransport>(
      fuse_fd_.get(), engine_.get(), fs_.get(), opt_.max_io, want_uring,
      uint64_t{opt_.nospace_wait_s} * 1000000000);
  VZ_RETURN_IF_ERROR(classic_->Start(1));
  VZ_ASSIGN_OR_RETURN(bool granted, classic_->WaitInit());
  int fallback_threads =
      opt_.classic_threads ? opt_.classic_threads : std::max(4, 4 * ncpu);
  if (!granted) {
    VZ_LOG(kInfo) << "serving over /dev/fuse with " << fallback_threads
                  << " threads";
    return classic_->Start(fallback_threads - 1);
  }
  int queues = PossibleCpus();
  int nworkers = std::min({ncpu, queues, 4});
  int depth = opt_.depth ? opt_.depth : std::max(8, std::min(32, 128 / queues));
  // Each worker sets its ring up on its own thread: the ring is
  // single-issuer, so the thread that creates it must be the one to submit.
  std::vector<std::promise<vz::Status>> ready(static_cast<size_t>(nworkers));
  for (int w = 0; w < nworkers; ++w) {
    UringConfig c;
    for (int q = w; q < queues; q += nworkers)
      c.queues.push_back(static_cast<uint16_t>(q));
    c.depth = depth;
    c.payload = opt_.max_io;
    c.nospace_wait_ns = uint64_t{opt_.nospace_wait_s} * 1000000000;
    c.cpu = nworkers == queues ? w : -1;
    workers_.push_back(std::make_unique<UringWorker>(
        fuse_fd_.get(), engine_.get(), fs_.get(), c));
    worker_threads_.emplace_back(
        [p = workers_.back().get(), r = &ready[static_cast<size_t>(w)]] {
          vz::Status st = p->Setup();
          bool ok = st.ok();
          r->set_value(std::move(st));
          if (ok) p->Run();
        });
  }
  for (auto& r : ready) {
    vz::Status st = r.get_future().get();
    if (st.ok()) continue;
    // The kernel falls back to /dev/fuse when a registration fails.
    VZ_LOG(kWarning) << "FUSE over io_uring unavailable (" << st.message()
                     << "): serving over /dev/fuse";
    for (auto& w : workers_) w->Stop();
    for (auto& t : worker_threads_) t.join();
    engine_->gate().ForgetResumeCallbacks();  // they point at the workers
    workers_.clear();
    worker_threads_.clear();
    return classic_->Start(fallback_threads - 1);
  }
  VZ_LOG(kInfo) << "serving over io_uring: " << nworkers << " workers, "
                << queues << " queues x " << depth << " entries";
  return vz::OkStatus();
}

void DeviceServer::Shutdown() {
  if (::umount2(opt_.fuse_dir.c_str(), MNT_DETACH) != 0 && errno != EINVAL) {
    VZ_LOG(kWarning) << "detach '" << opt_.fuse_dir
                     << "': " << std::strerror(errno);
  }
}

vz::Status DeviceServer::Wait() {
  classic_->Join();
  // The connection is gone: stop the rings too (their entries were
  // cancelled by the kernel already).
  for (auto& w : workers_) w->Stop();
  for (auto& t : worker_threads_) {
    if (t.joinable()) t.join();
  }
  control_.Stop();
  return image_->Close();
}

}  // namespace ploop::server
