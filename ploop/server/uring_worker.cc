#include "ploop/server/uring_worker.h"

#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "ploop/server/nospace.h"
#include "ploop/server/request.h"

namespace ploop::server {
namespace {

// user_data: [63:56] kind, [55:32] op index within the request, [31:0] entry.
enum Kind : uint64_t {
  kFuse = 0,
  kIo = 1,
  kWake = 2,
  kThrottleTimer = 3,
  kIdleTimer = 4,
  kNospaceTimer = 5
};

uint64_t Tag(Kind k, uint32_t entry, uint32_t op = 0) {
  return uint64_t{k} << 56 | uint64_t{op & 0xFFFFFF} << 32 | entry;
}

}  // namespace

struct UringWorker::Entry {
  UringReqHeader* hdr = nullptr;
  uint8_t* payload = nullptr;
  iovec iov[2] = {};
  uint16_t qid = 0;
  int pending = 0;
  int result = 0;
  uint32_t bytes = 0;
  uint64_t start_ns = 0;
  OpKind kind = OpKind::kRead;
  bool entered = false;  // holds the engine's gate
  // A write past the device's bounds check: an ENOSPC now is the host's.
  bool host_write = false;
  uint64_t held_since_ns = 0;  // waiting for host space since, 0: not
  std::vector<IoOp> ops;

  const fuse_in_header& in() const {
    return *reinterpret_cast<const fuse_in_header*>(hdr->in_out);
  }
};

UringWorker::UringWorker(int fuse_fd, BlockEngine* engine, FuseFs* fs,
                         UringConfig config)
    : fuse_fd_(fuse_fd), engine_(engine), fs_(fs), cfg_(std::move(config)) {}

UringWorker::~UringWorker() {
  if (ring_ok_) io_uring_queue_exit(&ring_);
  for (auto& e : entries_) std::free(e.hdr);
  if (payloads_) ::munmap(payloads_, payloads_len_);
}

vz::Status UringWorker::Setup() {
  const size_t n = cfg_.queues.size() * static_cast<size_t>(cfg_.depth);
  unsigned sq = 1;
  while (sq < n * 4 + 8) sq <<= 1;
  int rc = io_uring_queue_init(
      sq, &ring_,
      IORING_SETUP_SQE128 | IORING_SETUP_SINGLE_ISSUER |
          IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL);
  if (rc < 0) {
    // Without DEFER_TASKRUN the kernel may copy a request into a payload
    // at any time: its memory is never handed back then.
    rc = io_uring_queue_init(sq, &ring_, IORING_SETUP_SQE128);
    idle_release_ms_ = 0;
  }
  if (rc < 0) return vz::ErrnoError(-rc, "create io_uring");
  ring_ok_ = true;
  wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_fd_) return vz::ErrnoError(errno, "eventfd");

  // Payload memory: anonymous, not locked (mlockall uses MCL_ONFAULT and the
  // range is munlocked), so idle entries can give their pages back.
  payloads_len_ = n * cfg_.payload;
  void* p = ::mmap(nullptr, payloads_len_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return vz::ErrnoError(errno, "allocate payload buffers");
  payloads_ = static_cast<uint8_t*>(p);
  ::munlock(payloads_, payloads_len_);

  entries_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Entry& e = entries_[i];
    void* h = nullptr;
    if (posix_memalign(&h, 64, sizeof(UringReqHeader)) != 0)
      return vz::ResourceExhaustedError("out of memory");
    std::memset(h, 0, sizeof(UringReqHeader));
    e.hdr = static_cast<UringReqHeader*>(h);
    e.payload = payloads_ + i * cfg_.payload;
    e.iov[0] = {e.hdr, sizeof(UringReqHeader)};
    e.iov[1] = {e.payload, cfg_.payload};
    e.qid = cfg_.queues[i / static_cast<size_t>(cfg_.depth)];
    e.ops.reserve(8);
    Arm(static_cast<uint32_t>(i), kUringCmdRegister);
  }
  ArmWake();
  rc = io_uring_submit(&ring_);
  if (rc < 0) return vz::ErrnoError(-rc, "register FUSE ring entries");
  // A registration the kernel refused completes at once with an error.
  io_uring_cqe* cqe = nullptr;
  if (io_uring_peek_cqe(&ring_, &cqe) == 0 && cqe &&
      (cqe->user_data >> 56) == kFuse && cqe->res < 0) {
    return vz::ErrnoError(-cqe->res, "register FUSE ring entries");
  }
  return vz::OkStatus();
}

io_uring_sqe* UringWorker::Sqe() {
  io_uring_sqe* s = io_uring_get_sqe(&ring_);
  while (!s) {
    io_uring_submit(&ring_);
    s = io_uring_get_sqe(&ring_);
  }
  return s;
}

void UringWorker::Arm(uint32_t i, uint32_t cmd) {
  Entry& e = entries_[i];
  io_uring_sqe* s = Sqe();
  std::memset(s, 0, 128);
  s->opcode = IORING_OP_URING_CMD;
  s->fd = fuse_fd_;
  s->cmd_op = cmd;
  s->addr = reinterpret_cast<uint64_t>(e.iov);
  s->len = 2;
  auto* req = reinterpret_cast<UringCmdReq*>(s->cmd);
  req->qid = e.qid;
  req->commit_id = cmd == kUringCmdCommitAndFetch ? e.hdr->ent.commit_id : 0;
  s->user_data = Tag(kFuse, i);
}

void UringWorker::Commit(uint32_t i, int result) {
  Entry& e = entries_[i];
  --in_hand_;
  last_request_ns_ = NowNs();  // its reply sits in the payload until sent
  uint32_t len = result > 0 ? static_cast<uint32_t>(result) : 0;
  auto* oh = reinterpret_cast<fuse_out_header*>(e.hdr->in_out);
  uint64_t id = e.hdr->ent.commit_id;
  oh->unique = id;
  oh->error = result < 0 ? result : 0;
  oh->len = static_cast<uint32_t>(sizeof(fuse_out_header) + len);
  e.hdr->ent.payload_sz = len;
  Arm(i, kUringCmdCommitAndFetch);
}

void UringWorker::ArmWake() {
  io_uring_sqe* s = Sqe();
  io_uring_prep_read(s, wake_fd_.get(), &wake_buf_, sizeof wake_buf_, 0);
  s->user_data = Tag(kWake, 0);
}

void UringWorker::ArmTimer(uint64_t ns, uint32_t kind) {
  __kernel_timespec& ts = kind == kThrottleTimer  ? throttle_ts_
                          : kind == kNospaceTimer ? nospace_ts_
                                                  : idle_ts_;
  ts.tv_sec = static_cast<long long>(ns / 1000000000ull);
  ts.tv_nsec = static_cast<long long>(ns % 1000000000ull);
  io_uring_sqe* s = Sqe();
  io_uring_prep_timeout(s, &ts, 0, 0);
  s->user_data = Tag(static_cast<Kind>(kind), 0);
}

void UringWorker::Stop() {
  stop_ = true;
  uint64_t one = 1;
  (void)!::write(wake_fd_.get(), &one, sizeof one);
}

void UringWorker::OnResume() {
  uint64_t one = 1;
  (void)!::write(wake_fd_.get(), &one, sizeof one);
}

void UringWorker::OnFuse(uint32_t i, int res) {
  if (res < 0) {
    if (res != -ENOTCONN && res != -ECANCELED && res != -ENODEV) {
      VZ_LOG(kWarning) << "fuse ring entry failed: " << std::strerror(-res);
    }
    connection_closed_ = true;
    return;
  }
  last_request_ns_ = NowNs();
  memory_released_ = false;
  ++in_hand_;
  Start(i);
}

void UringWorker::Start(uint32_t i) {
  Entry& e = entries_[i];
  const fuse_in_header& in = e.in();
  if (!IsBlockOp(in.opcode)) {
    int rc =
        fs_->Handle(in, reinterpret_cast<const uint8_t*>(e.hdr->op_in),
                    e.payload, e.hdr->ent.payload_sz, e.payload, cfg_.payload);
    if (rc == kNoReply) rc = 0;  // every ring request needs a commit
    Commit(i, rc);
    return;
  }
  if (in.opcode == FUSE_READ || in.opcode == FUSE_WRITE) {
    uint32_t bytes =
        in.opcode == FUSE_READ
            ? reinterpret_cast<const fuse_read_in*>(e.hdr->op_in)->size
            : reinterpret_cast<const fuse_write_in*>(e.hdr->op_in)->size;
    if (uint64_t wait = engine_->limiter().Admit(bytes); wait) {
      engine_->stats().RecordThrottle(wait);
      throttled_.push_back(i);
      if (!throttle_timer_armed_) {
        throttle_timer_armed_ = true;
        ArmTimer(wait, kThrottleTimer);
      }
      return;
    }
  }
  EnterAndStart(i);
}

void UringWorker::EnterAndStart(uint32_t i) {
  if (!engine_->gate().TryEnter()) {
    deferred_.push_back(i);  // the gate's resume wakes us for it
    return;
  }
  entries_[i].entered = true;
  StartBlock(i);
}

void UringWorker::StartBlock(uint32_t i) {
  Entry& e = entries_[i];
  const fuse_in_header& in = e.in();
  if (e.held_since_ns == 0) e.start_ns = NowNs();  // a retry keeps its start
  e.result = 0;
  e.pending = 0;
  e.host_write = false;
  e.ops.clear();
  uint16_t prio = engine_->kernel_ioprio();
  if (in.opcode == FUSE_FALLOCATE) {
    e.result =
        Fallocate(*engine_, in,
                  *reinterpret_cast<const fuse_fallocate_in*>(e.hdr->op_in));
    e.kind = OpKind::kDiscard;
    Finish(i);
    return;
  }
  if (in.opcode == FUSE_FSYNC) {
    e.kind = OpKind::kFlush;
    e.bytes = 0;
    if (engine_->read_only()) {
      Finish(i);
      return;
    }
    io_uring_sqe* s = Sqe();
    io_uring_prep_fsync(s, engine_->top_fd(), IORING_FSYNC_DATASYNC);
    s->user_data = Tag(kIo, i, 0);
    e.pending = 1;
    return;
  }
  int rc;
  uint64_t disk = 0;
  if (in.opcode == FUSE_READ) {
    const auto& r = *reinterpret_cast<const fuse_read_in*>(e.hdr->op_in);
    e.kind = OpKind::kRead;
    uint64_t size = engine_->FileSize(in.nodeid);
    e.bytes = r.offset >= size ? 0
                               : static_cast<uint32_t>(std::min<uint64_t>(
                                     r.size, size - r.offset));
    rc = e.bytes ? engine_->ToDisk(in.nodeid, r.offset, e.bytes, &disk) : 0;
    if (rc == 0 && e.bytes) {
      rc = BlockEngine::Aligned(disk, e.bytes, e.payload)
               ? engine_->PlanRead(disk, e.payload, e.bytes, &e.ops)
               : engine_->UnalignedRead(disk, e.payload,
                                        e.bytes);  // rare: tools
    }
  } else {
    const auto& w = *reinterpret_cast<const fuse_write_in*>(e.hdr->op_in);
    e.kind = OpKind::kWrite;
    e.bytes = w.size;
    rc = engine_->read_only()
             ? -EROFS
             : engine_->ToDisk(in.nodeid, w.offset, w.size, &disk);
    if (rc == 0) {
      e.host_write = true;
      rc = BlockEngine::Aligned(disk, w.size, e.payload)
               ? engine_->PlanWrite(disk, e.payload, w.size, &e.ops)
               : engine_->UnalignedWrite(disk, e.payload,
                                         w.size);  // rare: tools
    }
  }
  if (rc < 0) {
    e.result = rc;
    Finish(i);
    return;
  }
  for (uint32_t k = 0; k < e.ops.size(); ++k) {
    const IoOp& op = e.ops[k];
    io_uring_sqe* s = Sqe();
    if (op.write) {
      io_uring_prep_write(s, op.fd, op.buf, op.len, op.offset);
    } else {
      io_uring_prep_read(s, op.fd, op.buf, op.len, op.offset);
    }
    s->ioprio = prio;
    s->user_data = Tag(kIo, i, k);
  }
  e.pending = static_cast<int>(e.ops.size());
  if (e.pending == 0) Finish(i);
}

bool UringWorker::HoldForSpace(uint32_t i) {
  Entry& e = entries_[i];
  const uint64_t now = NowNs();
  if (e.held_since_ns == 0) e.held_since_ns = now;
  if (now - e.held_since_ns >= cfg_.nospace_wait_ns) {
    SayWritesFail(-e.result, now - e.held_since_ns, now);
    return false;
  }
  SayWritesWait(-e.result, cfg_.nospace_wait_ns, now);
  held_.push_back(i);
  if (!nospace_timer_armed_) {
    nospace_timer_armed_ = true;
    ArmTimer(kNospaceRetryNs, kNospaceTimer);
  }
  return true;
}

// Held writes start over through the gate (not the I/O limit again: they
// were admitted once).
void UringWorker::RetryHeld() {
  if (Closing()) return;  // nobody to answer any more
  std::deque<uint32_t> retry;
  retry.swap(held_);
  for (uint32_t i : retry) EnterAndStart(i);
}

void UringWorker::OnIo(uint32_t i, uint32_t op, int res) {
  Entry& e = entries_[i];
  if (res < 0) {
    e.result = res;
  } else if (e.kind != OpKind::kFlush &&
             static_cast<uint32_t>(res) != e.ops[op].len) {
    // A short transfer: rare with O_DIRECT on a regular file; finish it
    // synchronously rather than fail the request.
    IoOp rest = e.ops[op];
    rest.offset += static_cast<uint32_t>(res);
    rest.buf += res;
    rest.len -= static_cast<uint32_t>(res);
    ssize_t n = rest.write ? ::pwrite(rest.fd, rest.buf, rest.len,
                                      static_cast<off_t>(rest.offset))
                           : ::pread(rest.fd, rest.buf, rest.len,
                                     static_cast<off_t>(rest.offset));
    if (n != static_cast<ssize_t>(rest.len)) e.result = n < 0 ? -errno : -EIO;
  }
  if (--e.pending == 0) Finish(i);
}

void UringWorker::Finish(uint32_t i) {
  Entry& e = entries_[i];
  if (e.kind == OpKind::kFlush && e.result == 0 && engine_->MetadataDirty()) {
    e.result =
        engine_->Flush();  // BAT entries of new clusters, after their data
  }
  if (e.entered) {
    e.entered = false;
    engine_->gate().Exit();
  }
  if (e.host_write && IsNoSpace(e.result) && HoldForSpace(i)) return;
  engine_->stats().Record(e.kind, e.bytes, NowNs() - e.start_ns);
  if (e.held_since_ns && e.result == 0) {
    SaySpaceAgain(NowNs() - e.held_since_ns);
  }
  e.held_since_ns = 0;
  int reply = e.result;
  if (reply == 0 && e.kind == OpKind::kRead) {
    reply = static_cast<int>(e.bytes);
  } else if (reply == 0 && e.kind == OpKind::kWrite) {
    auto* o = reinterpret_cast<fuse_write_out*>(e.payload);
    *o = {};
    o->size = e.bytes;
    reply = sizeof *o;
  }
  Commit(i, reply);
}

void UringWorker::ReleaseIdleMemory() {
  // A request not yet answered keeps its payload: a write held for space,
  // deferred behind a snapshot's pause or throttled holds its data there.
  if (memory_released_ || in_hand_ != 0) return;
  if (NowNs() - last_request_ns_ <
      static_cast<uint64_t>(idle_release_ms_) * 1000000ull)
    return;
  // Entries waiting in the kernel hold no data; their pages can go. The
  // kernel copies into the addresses again on the next request.
  ::madvise(payloads_, payloads_len_, MADV_DONTNEED);
  memory_released_ = true;
}

void UringWorker::Run() {
  if (cfg_.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cfg_.cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  engine_->gate().OnResume([this] { OnResume(); });
  while (!Closing()) {
    if (!idle_timer_armed_ && !memory_released_ && idle_release_ms_ > 0) {
      idle_timer_armed_ = true;
      ArmTimer(static_cast<uint64_t>(idle_release_ms_) * 1000000ull,
               kIdleTimer);
    }
    int rc = io_uring_submit_and_wait(&ring_, 1);
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
      // A ring that cannot be driven would leave the FUSE mount hanging:
      // dying lets the kernel abort the connection, so I/O fails cleanly.
      VZ_LOG(kError) << "io_uring failed, exiting: " << std::strerror(-rc);
      ::_exit(12);
    }
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      uint64_t tag = cqe->user_data;
      uint32_t i = static_cast<uint32_t>(tag & 0xFFFFFFFF);
      uint32_t op = static_cast<uint32_t>((tag >> 32) & 0xFFFFFF);
      switch (tag >> 56) {
        case kFuse:
          OnFuse(i, cqe->res);
          break;
        case kIo:
          OnIo(i, op, cqe->res);
          break;
        case kWake:
          ArmWake();
          while (!Closing() && !deferred_.empty() &&
                 engine_->gate().TryEnter()) {
            uint32_t d = deferred_.front();
            deferred_.pop_front();
            entries_[d].entered = true;
            StartBlock(d);
          }
          break;
        case kThrottleTimer: {
          throttle_timer_armed_ = false;
          if (Closing()) break;
          std::deque<uint32_t> retry;
          retry.swap(throttled_);
          for (uint32_t t : retry) Start(t);
          break;
        }
        case kIdleTimer:
          // After the batch: a request later in it is already in its
          // payload, and replies wait there until submitted.
          idle_timer_armed_ = false;
          release_due_ = true;
          break;
        case kNospaceTimer:
          nospace_timer_armed_ = false;
          RetryHeld();
          break;
      }
    }
    io_uring_cq_advance(&ring_, seen);
    if (release_due_) {
      release_due_ = false;
      // The replies go out first (their copy is made as they are
      // submitted); with DEFER_TASKRUN the kernel copies a new request
      // into a payload only while this thread waits in the ring, whose
      // completion would be ready here: none may be.
      io_uring_submit(&ring_);
      if (io_uring_cq_ready(&ring_) == 0) ReleaseIdleMemory();
    }
  }
}

}  // namespace ploop::server
