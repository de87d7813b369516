#include "ploop/server/request.h"

#include <linux/falloc.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <thread>
#include <vector>

namespace ploop::server {
namespace {

int RunOps(const std::vector<IoOp>& ops) {
  for (const IoOp& op : ops) {
    uint32_t done = 0;
    while (done < op.len) {
      ssize_t n = op.write ? ::pwrite(op.fd, op.buf + done, op.len - done,
                                      static_cast<off_t>(op.offset + done))
                           : ::pread(op.fd, op.buf + done, op.len - done,
                                     static_cast<off_t>(op.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -errno;
      if (n == 0) return -EIO;
      done += static_cast<uint32_t>(n);
    }
  }
  return 0;
}

}  // namespace

uint64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<uint64_t>(ts.tv_nsec);
}

bool IsBlockOp(uint32_t opcode) {
  return opcode == FUSE_READ || opcode == FUSE_WRITE || opcode == FUSE_FSYNC ||
         opcode == FUSE_FALLOCATE;
}

void ThrottleSync(BlockEngine& e, uint64_t bytes) {
  for (;;) {
    uint64_t wait = e.limiter().Admit(bytes);
    if (!wait) return;
    e.stats().RecordThrottle(wait);
    std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
  }
}

int SyncRead(BlockEngine& e, const fuse_in_header& in, const fuse_read_in& r,
             uint8_t* out) {
  uint64_t start = NowNs();
  uint64_t size = e.FileSize(in.nodeid);
  if (r.offset >= size) return 0;
  uint32_t len =
      static_cast<uint32_t>(std::min<uint64_t>(r.size, size - r.offset));
  uint64_t disk = 0;
  if (int rc = e.ToDisk(in.nodeid, r.offset, len, &disk); rc < 0) return rc;
  if (!BlockEngine::Aligned(disk, len, out)) {
    if (int rc = e.UnalignedRead(disk, out, len); rc < 0) return rc;
  } else {
    std::vector<IoOp> ops;
    if (int rc = e.PlanRead(disk, out, len, &ops); rc < 0) return rc;
    if (int rc = RunOps(ops); rc < 0) return rc;
  }
  e.stats().Record(OpKind::kRead, len, NowNs() - start);
  return static_cast<int>(len);
}

int SyncWrite(BlockEngine& e, const fuse_in_header& in, const fuse_write_in& w,
              const uint8_t* data, uint8_t* out) {
  if (e.read_only()) return -EROFS;
  uint64_t start = NowNs();
  uint64_t disk = 0;
  if (int rc = e.ToDisk(in.nodeid, w.offset, w.size, &disk); rc < 0) return rc;
  if (!BlockEngine::Aligned(disk, w.size, data)) {
    if (int rc = e.UnalignedWrite(disk, data, w.size); rc < 0) return rc;
  } else {
    std::vector<IoOp> ops;
    if (int rc = e.PlanWrite(disk, data, w.size, &ops); rc < 0) return rc;
    if (int rc = RunOps(ops); rc < 0) return rc;
  }
  e.stats().Record(OpKind::kWrite, w.size, NowNs() - start);
  auto* o = reinterpret_cast<fuse_write_out*>(out);
  *o = {};
  o->size = w.size;
  return sizeof *o;
}

int SyncFlush(BlockEngine& e) {
  if (e.read_only()) return 0;
  uint64_t start = NowNs();
  int rc = e.Flush();
  e.stats().Record(OpKind::kFlush, 0, NowNs() - start);
  return rc;
}

int Fallocate(BlockEngine& e, const fuse_in_header& in,
              const fuse_fallocate_in& f) {
  if (e.read_only()) return -EROFS;
  uint64_t disk = 0;
  if (int rc = e.ToDisk(in.nodeid, f.offset, f.length, &disk); rc < 0)
    return rc;
  uint64_t start = NowNs();
  int rc = 0;
  if (f.mode & FALLOC_FL_PUNCH_HOLE) {
    e.Discard(disk, f.length);
  } else if (f.mode & FALLOC_FL_ZERO_RANGE) {
    rc = e.ZeroRange(disk, f.length);
  } else if (f.mode & ~FALLOC_FL_KEEP_SIZE) {
    rc = -EOPNOTSUPP;
  }
  e.stats().Record(OpKind::kDiscard, f.length, NowNs() - start);
  return rc;
}

}  // namespace ploop::server
