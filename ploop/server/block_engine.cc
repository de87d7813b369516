#include "ploop/server/block_engine.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "ploop/lib/gpt.h"
#include "ploop/lib/stack.h"

namespace ploop::server {
namespace {

// ENOSPC and EDQUOT come only from the host filesystem (a fallocate or a
// write's errno): the worker holds those writes until space returns. Our
// own exhaustion (a bounce buffer, a delta at its format's last cluster)
// carries no errno and is not the host's to fix.
int Errno(const vz::Status& s) {
  if (s.ok()) return 0;
  if (s.sys_errno()) return -s.sys_errno();
  return s.code() == vz::Code::kResourceExhausted ? -ENOMEM : -EIO;
}

}  // namespace

BlockEngine::BlockEngine(Image* image)
    : image_(image),
      discards_(std::make_unique<DiscardMap>(image->cluster_bytes())) {
  part_size_ = image->size();
}

vz::Status BlockEngine::RescanPartition() {
  DeltaStack& s = image_->stack();
  auto read = [&](uint64_t off, void* buf, size_t len) -> vz::Status {
    // Direct I/O wants aligned buffers: read through one.
    void* a = nullptr;
    size_t alen = (len + 4095) / 4096 * 4096 + 4096;
    if (posix_memalign(&a, 4096, alen) != 0)
      return vz::ResourceExhaustedError("out of memory");
    uint64_t start = off / 4096 * 4096;
    uint64_t end =
        std::min<uint64_t>(s.virtual_bytes(), (off + len + 4095) / 4096 * 4096);
    vz::Status st = s.Read(start, a, end - start);
    if (st.ok())
      std::memcpy(buf, static_cast<uint8_t*>(a) + (off - start), len);
    std::free(a);
    return st;
  };
  VZ_ASSIGN_OR_RETURN(Partition p,
                      FindFilesystemPartition(read, s.virtual_bytes()));
  part_offset_ = p.offset;
  part_size_ = p.size;
  return vz::OkStatus();
}

uint64_t BlockEngine::FileSize(uint64_t ino) const {
  return ino == kPartIno ? part_size_.load() : image_->size();
}

int BlockEngine::ToDisk(uint64_t ino, uint64_t off, uint64_t len,
                        uint64_t* disk_off) const {
  uint64_t size = FileSize(ino);
  if (off > size || len > size - off) return -ENOSPC;
  *disk_off = off + (ino == kPartIno ? part_offset_.load() : 0);
  return 0;
}

int BlockEngine::PlanRead(uint64_t off, uint8_t* buf, uint32_t len,
                          std::vector<IoOp>* ops) {
  DeltaStack& s = image_->stack();
  const uint64_t cb = s.cluster_bytes();
  while (len > 0) {
    uint32_t c = static_cast<uint32_t>(off / cb);
    uint64_t in = off % cb;
    uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(len, cb - in));
    Location loc = s.Locate(c);
    if (loc.level < 0) {
      std::memset(buf, 0, n);
    } else {
      const Delta& d = s.delta(static_cast<size_t>(loc.level));
      uint64_t at = loc.offset + in;
      uint32_t have = n;
      if (d.kind() == DeltaKind::kRaw) {  // a raw base may end mid-cluster
        uint64_t end = d.virtual_bytes();
        have = at >= end
                   ? 0
                   : static_cast<uint32_t>(std::min<uint64_t>(n, end - at));
        std::memset(buf + have, 0, n - have);
      }
      if (have) {
        IoOp* last = ops->empty() ? nullptr : &ops->back();
        if (last && !last->write && last->fd == d.read_fd() &&
            last->offset + last->len == at && last->buf + last->len == buf) {
          last->len += have;  // contiguous in file and buffer: one op
        } else {
          ops->push_back({d.read_fd(), at, buf, have, false});
        }
      }
    }
    off += n;
    buf += n;
    len -= n;
  }
  return 0;
}

int BlockEngine::PlanWrite(uint64_t off, const uint8_t* buf, uint32_t len,
                           std::vector<IoOp>* ops) {
  DeltaStack& s = image_->stack();
  Delta& top = s.top();
  const uint64_t cb = s.cluster_bytes();
  discards_->Written(off, len);
  while (len > 0) {
    uint32_t c = static_cast<uint32_t>(off / cb);
    uint64_t in = off % cb;
    uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(len, cb - in));
    uint64_t mapped = top.Lookup(c);
    if (mapped != kUnmapped) {
      IoOp* last = ops->empty() ? nullptr : &ops->back();
      if (last && last->offset + last->len == mapped + in &&
          last->buf + last->len == buf) {
        last->len += n;
      } else {
        ops->push_back(
            {top.fd(), mapped + in, const_cast<uint8_t*>(buf), n, true});
      }
    } else {
      auto r = s.WriteAllocating(c, in, buf, n);
      if (!r.has_value()) return Errno(r.error());
    }
    off += n;
    buf += n;
    len -= n;
  }
  return 0;
}

int BlockEngine::ZeroRange(uint64_t off, uint64_t len) {
  DeltaStack& s = image_->stack();
  const uint64_t cb = s.cluster_bytes();
  std::call_once(zero_once_, [&] {
    void* p = nullptr;
    if (posix_memalign(&p, 4096, cb) == 0) {
      std::memset(p, 0, cb);
      zeros_ = static_cast<uint8_t*>(p);
    }
  });
  if (!zeros_) return -ENOMEM;
  discards_->Written(off, len);
  while (len > 0) {
    uint32_t c = static_cast<uint32_t>(off / cb);
    uint64_t in = off % cb;
    uint64_t n = std::min<uint64_t>(len, cb - in);
    uint64_t mapped = s.top().Lookup(c);
    vz::Status st;
    if (mapped != kUnmapped) {
      st = s.top().WriteAt(mapped + in, zeros_, n);
    } else {
      st = s.WriteAllocating(c, in, zeros_, n)
               .status();  // free where nothing is mapped
    }
    if (!st.ok()) return Errno(st);
    off += n;
    len -= n;
  }
  return 0;
}

namespace {

int RunSync(const std::vector<IoOp>& ops) {
  for (const IoOp& op : ops) {
    ssize_t n =
        op.write
            ? ::pwrite(op.fd, op.buf, op.len, static_cast<off_t>(op.offset))
            : ::pread(op.fd, op.buf, op.len, static_cast<off_t>(op.offset));
    if (n < 0) return -errno;
    if (static_cast<uint32_t>(n) != op.len) return -EIO;
  }
  return 0;
}

struct FreeBuf {
  void operator()(uint8_t* p) const { std::free(p); }
};

}  // namespace

// The aligned blocks around [off, off+len), read into a bounce buffer.
struct Bounce {
  uint64_t start = 0;
  uint32_t len = 0;
  std::unique_ptr<uint8_t, FreeBuf> buf;
};

int BlockEngine::ReadAround(uint64_t off, uint32_t len, Bounce* b) {
  b->start = off / kDirectAlign * kDirectAlign;
  uint64_t end =
      std::min((off + len + kDirectAlign - 1) / kDirectAlign * kDirectAlign,
               image_->size());
  b->len = static_cast<uint32_t>(end - b->start);
  void* p = nullptr;
  if (posix_memalign(&p, kDirectAlign, b->len) != 0) return -ENOMEM;
  b->buf.reset(static_cast<uint8_t*>(p));
  std::vector<IoOp> ops;
  int rc = PlanRead(b->start, b->buf.get(), b->len, &ops);
  return rc == 0 ? RunSync(ops) : rc;
}

int BlockEngine::UnalignedRead(uint64_t off, uint8_t* buf, uint32_t len) {
  Bounce b;
  int rc = ReadAround(off, len, &b);
  if (rc == 0) std::memcpy(buf, b.buf.get() + (off - b.start), len);
  return rc;
}

int BlockEngine::UnalignedWrite(uint64_t off, const uint8_t* buf,
                                uint32_t len) {
  std::lock_guard<std::mutex> lock(unaligned_mu_);
  Bounce b;
  if (int rc = ReadAround(off, len, &b); rc != 0) return rc;
  std::memcpy(b.buf.get() + (off - b.start), buf, len);
  std::vector<IoOp> ops;
  int rc = PlanWrite(b.start, b.buf.get(), b.len, &ops);
  return rc == 0 ? RunSync(ops) : rc;
}

void BlockEngine::Discard(uint64_t off, uint64_t len) {
  // Only clusters of the top delta can ever be given back; a discard of an
  // unmapped cluster (mkfs discards the whole disk) costs no memory.
  DeltaStack& s = image_->stack();
  const uint64_t cb = s.cluster_bytes();
  while (len > 0) {
    uint64_t n = std::min<uint64_t>(len, cb - off % cb);
    if (s.top().Lookup(static_cast<uint32_t>(off / cb)) != kUnmapped)
      discards_->Discard(off, n);
    off += n;
    len -= n;
  }
}

int BlockEngine::Flush() { return Errno(image_->Flush()); }

bool BlockEngine::MetadataDirty() {
  return image_->stack().top().metadata_dirty();
}

uint16_t BlockEngine::kernel_ioprio() const {
  // IOPRIO_CLASS_BE (2) << 13 | level; vz's 7 is the kernel's best level 0.
  int level = 7 - priority_.load();
  return static_cast<uint16_t>(2 << 13 | level);
}

}  // namespace ploop::server
