#include "ploop/lib/stack.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

#include "ploop/exit_codes.h"

namespace ploop {
namespace {

// A cluster-sized bounce buffer per thread, reused: allocating and
// faulting in a fresh one for every allocating write cost more than the
// write itself (bench/ploop_engine_bench.cc). It is not locked (a device
// server's mlockall locks pages as they are touched) and is handed back
// lazily after each use (MADV_FREE, ReleaseBounce): copy-ups come in
// bursts, mostly a container's first writes, and a long-lived server must
// not keep a resident MiB per worker for them.
struct Mapping {
  void* addr = nullptr;
  uint64_t size = 0;
  ~Mapping() {
    if (addr) ::munmap(addr, size);
  }
};

uint8_t* BounceBuffer(uint64_t bytes) {
  thread_local Mapping m;
  if (m.size < bytes) {
    if (m.addr) ::munmap(m.addr, m.size);
    m = {};
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    ::munlock(p, bytes);
    m.addr = p;
    m.size = bytes;
  }
  return static_cast<uint8_t*>(m.addr);
}

void ReleaseBounce(uint8_t* buf, uint64_t bytes) {
  (void)::madvise(buf, bytes, MADV_FREE);
}

}  // namespace

bool IsZero(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w) return false;
  }
  for (; i < len; ++i) {
    if (p[i]) return false;
  }
  return true;
}

vz::Result<std::unique_ptr<DeltaStack>> DeltaStack::Make(
    std::vector<std::unique_ptr<Delta>> deltas, uint64_t virtual_bytes) {
  if (deltas.empty()) return vz::InvalidArgumentError("empty delta stack");
  std::unique_ptr<DeltaStack> s(new DeltaStack());
  s->cluster_bytes_ = deltas[0]->cluster_bytes();
  for (const auto& d : deltas) {
    if (d->cluster_bytes() != s->cluster_bytes_) {
      return vz::InvalidArgumentError(
                 "delta '" + d->path() + "' has cluster size " +
                 std::to_string(d->cluster_bytes()) + ", the stack " +
                 std::to_string(s->cluster_bytes_))
          .WithExitCode(kSysExitPloopFmt);
    }
  }
  s->deltas_ = std::move(deltas);
  s->virtual_bytes_ = virtual_bytes;
  return s;
}

Location DeltaStack::Locate(uint32_t c, int max_level) const {
  int level = max_level < 0 ? static_cast<int>(deltas_.size()) - 1 : max_level;
  for (; level >= 0; --level) {
    uint64_t off = deltas_[static_cast<size_t>(level)]->Lookup(c);
    if (off != kUnmapped) return {level, off};
  }
  return {};
}

vz::Status DeltaStack::ReadCluster(uint32_t c, uint64_t in_cluster,
                                   uint8_t* out, size_t len,
                                   int max_level) const {
  Location loc = Locate(c, max_level);
  if (loc.level < 0) {
    std::memset(out, 0, len);
    return vz::OkStatus();
  }
  const Delta& d = *deltas_[static_cast<size_t>(loc.level)];
  if (d.kind() == DeltaKind::kRaw) {
    // A raw delta may end inside its last cluster: zeros past its end.
    uint64_t start = loc.offset + in_cluster;
    uint64_t end = d.virtual_bytes();
    size_t have =
        start >= end
            ? 0
            : static_cast<size_t>(std::min<uint64_t>(len, end - start));
    if (have) VZ_RETURN_IF_ERROR(d.ReadAt(start, out, have));
    std::memset(out + have, 0, len - have);
    return vz::OkStatus();
  }
  return d.ReadAt(loc.offset + in_cluster, out, len);
}

vz::Status DeltaStack::Read(uint64_t offset, void* buf, size_t len) const {
  if (offset > virtual_bytes_ || len > virtual_bytes_ - offset) {
    return vz::OutOfRangeError("read past the end of the disk");
  }
  auto* out = static_cast<uint8_t*>(buf);
  while (len > 0) {
    uint32_t c = static_cast<uint32_t>(offset / cluster_bytes_);
    uint64_t in = offset % cluster_bytes_;
    size_t n =
        static_cast<size_t>(std::min<uint64_t>(len, cluster_bytes_ - in));
    VZ_RETURN_IF_ERROR(ReadCluster(c, in, out, n, -1));
    out += n;
    offset += n;
    len -= n;
  }
  return vz::OkStatus();
}

vz::Result<bool> DeltaStack::WriteAllocating(uint32_t c, uint64_t in_cluster,
                                             const void* data, size_t len) {
  Delta& t = top();
  std::lock_guard<std::mutex> lock(alloc_mu_);
  uint64_t mapped = t.Lookup(c);
  if (mapped != kUnmapped) {  // a racing writer allocated it meanwhile
    VZ_RETURN_IF_ERROR(t.WriteAt(mapped + in_cluster, data, len));
    return true;
  }
  int below = static_cast<int>(deltas_.size()) - 2;
  if (Locate(c, below).level < 0) {
    if (IsZero(data, len)) return false;
    // Nothing below: the new cluster is fresh space from fallocate, which
    // reads as zeros, so only the data itself needs writing (not a whole
    // cluster for a 4 KiB write). AllocateCluster never hands out space
    // that held anything before.
    VZ_ASSIGN_OR_RETURN(uint64_t off, t.AllocateCluster());
    VZ_RETURN_IF_ERROR(t.WriteAt(off + in_cluster, data, len));
    t.Map(c, off);
    return true;
  }
  // A whole cluster in an aligned buffer (fit for O_DIRECT) goes straight
  // to the new cluster; anything else is merged with the data below in a
  // bounce buffer.
  const uint8_t* src = static_cast<const uint8_t*>(data);
  if (in_cluster != 0 || len != cluster_bytes_ ||
      reinterpret_cast<uintptr_t>(data) % 4096 != 0) {
    uint8_t* buf = BounceBuffer(cluster_bytes_);
    if (!buf)
      return vz::ResourceExhaustedError("out of memory")
          .WithExitCode(kSysExitMalloc);
    if (in_cluster != 0 || len != cluster_bytes_) {
      VZ_RETURN_IF_ERROR(ReadCluster(c, 0, buf, cluster_bytes_, below));
    }
    std::memcpy(buf + in_cluster, data, len);
    src = buf;
  }
  VZ_ASSIGN_OR_RETURN(uint64_t off, t.AllocateCluster());
  vz::Status w = t.WriteAt(off, src, cluster_bytes_);
  if (src != data) ReleaseBounce(const_cast<uint8_t*>(src), cluster_bytes_);
  VZ_RETURN_IF_ERROR(w);
  t.Map(c, off);
  return true;
}

vz::Status DeltaStack::Write(uint64_t offset, const void* buf, size_t len) {
  if (!writable()) return vz::PermissionDeniedError("image is open read-only");
  if (offset > virtual_bytes_ || len > virtual_bytes_ - offset) {
    return vz::OutOfRangeError("write past the end of the disk");
  }
  const auto* in = static_cast<const uint8_t*>(buf);
  Delta& t = top();
  while (len > 0) {
    uint32_t c = static_cast<uint32_t>(offset / cluster_bytes_);
    uint64_t within = offset % cluster_bytes_;
    size_t n =
        static_cast<size_t>(std::min<uint64_t>(len, cluster_bytes_ - within));
    uint64_t mapped = t.Lookup(c);
    if (mapped != kUnmapped) {
      VZ_RETURN_IF_ERROR(t.WriteAt(mapped + within, in, n));
    } else {
      VZ_RETURN_IF_ERROR(WriteAllocating(c, within, in, n).status());
    }
    in += n;
    offset += n;
    len -= n;
  }
  return vz::OkStatus();
}

}  // namespace ploop
