#include "ploop/server/classic_transport.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "ploop/server/nospace.h"
#include "ploop/server/request.h"

namespace ploop::server {
namespace {

constexpr size_t kWriteHeader = sizeof(fuse_in_header) + sizeof(fuse_write_in);

// A request buffer: anonymous memory outside the server's mlockall
// (MCL_ONFAULT would lock every page a large request touched, for the
// server's lifetime, where nothing can take it back), as the io_uring
// workers' payloads are.
struct Unmap {
  size_t len = 0;
  void operator()(uint8_t* p) const { ::munmap(p, len); }
};
using Buffer = std::unique_ptr<uint8_t, Unmap>;

Buffer MapBuffer(size_t len) {
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Buffer(nullptr, Unmap{len});
  ::munlock(p, len);
  return Buffer(static_cast<uint8_t*>(p), Unmap{len});
}

constexpr size_t kLargeRequest = 8192;

// After a large request the buffers' pages are made lazily free
// (MADV_FREE): they stay mapped, and the next request reuses them without a
// fault, unless memory ran short meanwhile and the kernel took them, with
// nothing to write out. The io_uring workers give theirs back after 2 s
// idle; a /dev/fuse thread cannot wait for a timeout, as it must block in
// read(2), and a request left up to a megabyte resident in each buffer of
// each thread for the server's lifetime (16 MiB in a server after one
// burst of 1 MiB writes).
void LetBuffersGo(const Buffer& in, const Buffer& out) {
  ::madvise(in.get(), in.get_deleter().len, MADV_FREE);
  ::madvise(out.get(), out.get_deleter().len, MADV_FREE);
}

}  // namespace

ClassicTransport::ClassicTransport(int fuse_fd, BlockEngine* engine, FuseFs* fs,
                                   uint32_t max_write, bool want_uring,
                                   uint64_t nospace_wait_ns)
    : fuse_fd_(fuse_fd),
      engine_(engine),
      fs_(fs),
      max_write_(max_write),
      want_uring_(want_uring),
      nospace_wait_ns_(nospace_wait_ns) {}

ClassicTransport::~ClassicTransport() { Join(); }

vz::Status ClassicTransport::Start(int threads) {
  threads_.emplace_back([this] { Loop(fuse_fd_); });
  for (int i = 1; i < threads; ++i) {
    vz::UniqueFd c(::open("/dev/fuse", O_RDWR | O_CLOEXEC));
    if (!c) return vz::ErrnoError(errno, "open '/dev/fuse'");
    uint32_t master = static_cast<uint32_t>(fuse_fd_);
    if (::ioctl(c.get(), FUSE_DEV_IOC_CLONE, &master) != 0) {
      return vz::ErrnoError(errno, "clone the FUSE session");
    }
    int fd = c.get();
    clones_.push_back(std::move(c));
    threads_.emplace_back([this, fd] { Loop(fd); });
  }
  return vz::OkStatus();
}

vz::Result<bool> ClassicTransport::WaitInit() {
  std::unique_lock<std::mutex> l(mu_);
  init_cv_.wait(l, [&] { return init_done_ || closed_; });
  if (!init_done_)
    return vz::UnavailableError("the FUSE connection closed before INIT");
  return uring_granted_;
}

void ClassicTransport::Join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void ClassicTransport::Reply(int fd, uint64_t unique, int result,
                             const uint8_t* payload) {
  fuse_out_header oh{};
  oh.unique = unique;
  oh.error = result < 0 ? result : 0;
  size_t plen = result > 0 ? static_cast<size_t>(result) : 0;
  oh.len = static_cast<uint32_t>(sizeof oh + plen);
  iovec iov[2] = {{&oh, sizeof oh}, {const_cast<uint8_t*>(payload), plen}};
  while (::writev(fd, iov, plen ? 2 : 1) < 0 && errno == EINTR) {
  }
  // ENOENT: the request was interrupted meanwhile; nothing to do.
}

int ClassicTransport::HeldWrite(int fd, const fuse_in_header& in,
                                const fuse_write_in& w, const uint8_t* data,
                                uint8_t* out) {
  uint64_t held_since = 0;
  for (;;) {
    int rc = SyncWrite(*engine_, in, w, data, out);
    if (!IsNoSpace(rc)) {
      if (held_since && rc >= 0) SaySpaceAgain(NowNs() - held_since);
      return rc;
    }
    // Past the device's end (ENOSPC too) is the container's error, not the
    // host's: it is never held (looked at on each try, as a rescan may
    // shrink the device).
    uint64_t disk = 0;
    if (engine_->ToDisk(in.nodeid, w.offset, w.size, &disk) < 0) return rc;
    const uint64_t now = NowNs();
    if (!held_since) held_since = now;
    if (now - held_since >= nospace_wait_ns_) {
      SayWritesFail(-rc, now - held_since, now);
      return rc;
    }
    SayWritesWait(-rc, nospace_wait_ns_, now);
    // Waiting outside the gate, so that an online snapshot can pause the
    // disk meanwhile. On its own descriptor, with no event asked for: the
    // kernel reports POLLERR once the connection is gone (even when every
    // thread is holding a write and none reads), and new requests do not
    // wake it.
    engine_->gate().Exit();
    pollfd p{fd, 0, 0};
    int n = ::poll(&p, 1, static_cast<int>(kNospaceRetryNs / 1000000));
    engine_->gate().EnterBlocking();
    if (n > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return rc;
  }
}

void ClassicTransport::Loop(int fd) {
  const size_t in_cap = max_write_ + 4096;
  // The read lands so that a WRITE's data starts on a page boundary: it can
  // go to the O_DIRECT delta without a copy.
  Buffer base = MapBuffer(in_cap + 8192);
  Buffer out = MapBuffer(max_write_ + 8192);
  if (!base || !out) return;
  uint8_t* buf = base.get() + 4096 - kWriteHeader;
  for (;;) {
    ssize_t n = ::read(fd, buf, in_cap + kWriteHeader);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ENOENT) continue;
      break;  // ENODEV: unmounted or aborted
    }
    if (static_cast<size_t>(n) < sizeof(fuse_in_header)) continue;
    const auto& in = *reinterpret_cast<const fuse_in_header*>(buf);
    const uint8_t* arg = buf + sizeof in;
    uint32_t arg_len =
        static_cast<uint32_t>(n - static_cast<ssize_t>(sizeof in));
    const uint32_t hsize = OpHeaderSize(in.opcode);
    if (arg_len < hsize) {  // every use of `arg` below reads that header
      Reply(fd, in.unique, -EINVAL, out.get());
      continue;
    }
    int rc;
    if (in.opcode == FUSE_INIT) {
      bool granted = false;
      rc = static_cast<int>(fs_->Init(
          *reinterpret_cast<const fuse_init_in*>(arg), max_write_, want_uring_,
          reinterpret_cast<fuse_init_out*>(out.get()), &granted));
      Reply(fd, in.unique, rc, out.get());
      std::lock_guard<std::mutex> l(mu_);
      init_done_ = true;
      uring_granted_ = granted;
      init_cv_.notify_all();
      continue;
    }
    if (IsBlockOp(in.opcode)) {
      engine_->gate().EnterBlocking();
      switch (in.opcode) {
        case FUSE_READ: {
          const auto& r = *reinterpret_cast<const fuse_read_in*>(arg);
          ThrottleSync(*engine_, r.size);
          rc = SyncRead(*engine_, in, r, out.get());
          break;
        }
        case FUSE_WRITE: {
          const auto& w = *reinterpret_cast<const fuse_write_in*>(arg);
          ThrottleSync(*engine_, w.size);
          rc = HeldWrite(fd, in, w, buf + kWriteHeader, out.get());
          break;
        }
        case FUSE_FSYNC:
          rc = SyncFlush(*engine_);
          break;
        default:
          rc = Fallocate(*engine_, in,
                         *reinterpret_cast<const fuse_fallocate_in*>(arg));
      }
      engine_->gate().Exit();
    } else {
      rc = fs_->Handle(in, arg, arg + hsize, arg_len - hsize, out.get(),
                       max_write_);
    }
    if (rc != kNoReply) Reply(fd, in.unique, rc, out.get());
    // Small requests touch the same few pages every time; a large one
    // leaves up to a megabyte resident in each buffer.
    if (static_cast<size_t>(n) > kLargeRequest ||
        (rc > 0 && static_cast<size_t>(rc) > kLargeRequest)) {
      LetBuffersGo(base, out);
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  closed_ = true;
  init_cv_.notify_all();
}

}  // namespace ploop::server
