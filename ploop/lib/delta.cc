#include "ploop/lib/delta.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/file_util.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/le.h"

namespace ploop {
namespace {

constexpr uint64_t kMetaBlock = 4096;
constexpr uint32_t kSlotsPerBlock = kMetaBlock / 4;
constexpr char kSharedXattr[] = "user.ploop.shared";
constexpr char kIdXattr[] = "user.ploop.id";
constexpr char kParentIdXattr[] = "user.ploop.parent-id";
constexpr uint64_t kExtensionMagic = 0xAB234CEF23DCEA87ULL;
constexpr uint64_t kExtFlagNecessary = 1;
constexpr uint64_t kExtDirtyBitmapMagic = 0x20385FAE252CB34AULL;

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuf = std::unique_ptr<uint8_t, AlignedFree>;

AlignedBuf Aligned(size_t len) {
  void* p = nullptr;
  if (posix_memalign(&p, kMetaBlock, len) != 0) return nullptr;
  std::memset(p, 0, len);
  return AlignedBuf(static_cast<uint8_t*>(p));
}

vz::Status Corrupt(const std::string& path, const std::string& why) {
  return vz::DataLossError("corrupt delta '" + path + "': " + why)
      .WithExitCode(kSysExitPloopFmt);
}

std::string GetXattr(int fd, const char* name) {
  char buf[128];
  ssize_t n = ::fgetxattr(fd, name, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

Delta::~Delta() = default;

uint64_t Delta::virtual_bytes() const {
  return kind_ == DeltaKind::kRaw ? raw_bytes_ : header_.virtual_bytes();
}

vz::Result<bool> Delta::IsShared(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return vz::ErrnoError(errno, "stat '" + path + "'");
  if (st.st_nlink > 1) return true;
  char v;
  return ::getxattr(path.c_str(), kSharedXattr, &v, 1) >= 0;
}

vz::Status Delta::MarkShared(const std::string& path) {
  if (::setxattr(path.c_str(), kSharedXattr, "1", 1, 0) != 0) {
    return vz::ErrnoError(errno, "mark '" + path + "' shared");
  }
  return vz::OkStatus();
}

std::string Delta::id() const { return GetXattr(fd_.get(), kIdXattr); }
std::string Delta::parent_id() const {
  return GetXattr(fd_.get(), kParentIdXattr);
}

vz::Status Delta::SetIds(const std::string& id, const std::string& parent_id) {
  auto set = [&](const char* name, const std::string& v) -> vz::Status {
    int rc = v.empty() ? ::fremovexattr(fd_.get(), name)
                       : ::fsetxattr(fd_.get(), name, v.data(), v.size(), 0);
    if (rc != 0 && !(v.empty() && errno == ENODATA)) {
      return vz::ErrnoError(errno, "set identity of '" + path_ + "'");
    }
    return vz::OkStatus();
  };
  VZ_RETURN_IF_ERROR(set(kIdXattr, id));
  return set(kParentIdXattr, parent_id);
}

vz::Result<std::unique_ptr<Delta>> Delta::Open(const std::string& path,
                                               DeltaKind kind,
                                               const DeltaOpenOptions& o) {
  std::unique_ptr<Delta> d(new Delta());
  d->path_ = path;
  d->kind_ = kind;
  d->writable_ = o.writable;
  if (o.writable && !o.ignore_shared) {
    auto shared = IsShared(path);
    if (!shared.has_value())
      return std::move(shared).error().WithDefaultExitCode(kSysExitOpen);
    if (*shared) {
      return vz::FailedPreconditionError(
                 "delta '" + path +
                 "' is shared (a template or hard-linked): it is "
                 "opened read-only only")
          .WithExitCode(kSysExitOpen);
    }
  }
  int flags = (o.writable ? O_RDWR : O_RDONLY) | O_CLOEXEC |
              (o.direct_io ? O_DIRECT : 0);
  d->fd_.reset(::open(path.c_str(), flags));
  if (!d->fd_)
    return vz::ErrnoError(errno, "open delta '" + path + "'")
        .WithExitCode(kSysExitOpen);
  if (o.direct_io) {
    d->read_fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!d->read_fd_)
      return vz::ErrnoError(errno, "open delta '" + path + "' for reads")
          .WithExitCode(kSysExitOpen);
  }
  if (kind == DeltaKind::kRaw) {
    struct stat st;
    if (::fstat(d->fd_.get(), &st) != 0)
      return vz::ErrnoError(errno, "stat '" + path + "'");
    d->cluster_sectors_ = o.raw_cluster_sectors;
    d->raw_bytes_ = static_cast<uint64_t>(st.st_size);
    d->clusters_ = static_cast<uint32_t>(
        (d->raw_bytes_ + d->cluster_bytes() - 1) / d->cluster_bytes());
    return d;
  }
  VZ_RETURN_IF_ERROR(d->LoadExpanded(o));
  return d;
}

vz::Status Delta::LoadExpanded(const DeltaOpenOptions& o) {
  // One aligned block, so that O_DIRECT descriptors can read it too.
  auto raw = Aligned(kMetaBlock);
  if (!raw)
    return vz::ResourceExhaustedError("out of memory")
        .WithExitCode(kSysExitMalloc);
  ssize_t n = ::pread(fd_.get(), raw.get(), kMetaBlock, 0);
  if (n < 0) {
    return vz::ErrnoError(errno, "read header of '" + path_ + "'")
        .WithExitCode(kSysExitRead);
  }
  size_t got = std::min(static_cast<size_t>(n), kHeaderSize);
  auto h = DecodeHeader(std::span<const uint8_t>(raw.get(), got));
  if (!h.has_value())
    return std::move(h).error().WithContext("delta '" + path_ + "'");
  header_ = *h;
  cluster_sectors_ = header_.cluster_sectors;
  clusters_ = header_.bat_entries;
  if (header_.in_use == kInUseMagic && o.writable && !o.allow_in_use) {
    return vz::FailedPreconditionError(
               "delta '" + path_ +
               "' was not closed cleanly (in-use flag set): run "
               "'ploop check -r'")
        .WithExitCode(kSysExitPloopInUse);
  }
  if ((header_.flags & kFlagFmtVersionConvert) && !o.skip_bat_validation) {
    return vz::FailedPreconditionError(
               "delta '" + path_ +
               "' is in the middle of a format version conversion: run "
               "'ploop check -r'")
        .WithExitCode(kSysExitPloopFmt);
  }
  VZ_ASSIGN_OR_RETURN(uint64_t size, FileSize());
  if (size < uint64_t{header_.first_data_cluster()} * cluster_bytes()) {
    return Corrupt(path_, "file is shorter than its BAT");
  }
  alloc_head_ = size / cluster_bytes();
  partial_tail_ = size % cluster_bytes() != 0;
  dirty_blocks_.assign(
      (uint64_t{header_.first_data_cluster()} * cluster_bytes()) / kMetaBlock,
      false);
  VZ_RETURN_IF_ERROR(LoadBat());
  if (!o.skip_bat_validation) {
    VZ_RETURN_IF_ERROR(ValidateExtension());
    VZ_RETURN_IF_ERROR(ValidateBat());
  }
  return vz::OkStatus();
}

vz::Status Delta::LoadBat() {
  bat_.reset(new std::atomic<uint32_t>[clusters_]);
  // The BAT region is [0, F clusters): read it in aligned chunks, which
  // works for O_DIRECT descriptors too, and pick the slots out.
  constexpr uint64_t kChunk = 1 << 20;
  const uint64_t total_slots = uint64_t{clusters_} + kMapOffset;
  const uint64_t region =
      (total_slots * 4 + kMetaBlock - 1) / kMetaBlock * kMetaBlock;
  // No larger than the region: a buffer is zeroed before use, and a
  // fresh megabyte costs a start's mount about 1 ms of page faults per
  // delta where the BAT of a 10 GiB disk fills about 40 KiB.
  auto buf = Aligned(static_cast<size_t>(std::min(kChunk, region)));
  if (!buf)
    return vz::ResourceExhaustedError("out of memory")
        .WithExitCode(kSysExitMalloc);
  for (uint64_t off = 0; off < region; off += kChunk) {
    size_t len = static_cast<size_t>(std::min(kChunk, region - off));
    VZ_RETURN_IF_ERROR(ReadAt(off, buf.get(), len));
    for (uint64_t slot = off / 4; slot < (off + len) / 4 && slot < total_slots;
         ++slot) {
      if (slot < kMapOffset) continue;
      bat_[slot - kMapOffset].store(le::Load32(buf.get() + (slot * 4 - off)),
                                    std::memory_order_relaxed);
    }
  }
  return vz::OkStatus();
}

vz::Status Delta::ValidateExtension() {
  if (header_.extension_sectors == 0) return vz::OkStatus();
  uint64_t off = header_.extension_sectors * kSectorSize;
  if (off / cluster_bytes() >= alloc_head_) {
    return Corrupt(path_, "format extension past the end of the file");
  }
  auto buf = Aligned(cluster_bytes());
  if (!buf)
    return vz::ResourceExhaustedError("out of memory")
        .WithExitCode(kSysExitMalloc);
  VZ_RETURN_IF_ERROR(ReadAt(off, buf.get(), cluster_bytes()));
  if (le::Load64(buf.get()) != kExtensionMagic) {
    return Corrupt(path_, "format extension has a bad magic");
  }
  // Elements follow the 24-byte check header: {magic, flags, size, unused}.
  uint64_t pos = 24;
  while (pos + 24 <= cluster_bytes()) {
    uint64_t magic = le::Load64(buf.get() + pos);
    if (magic == 0) break;
    uint64_t flags = le::Load64(buf.get() + pos + 8);
    uint32_t size = le::Load32(buf.get() + pos + 16);
    if ((flags & kExtFlagNecessary) && magic != kExtDirtyBitmapMagic) {
      return vz::UnimplementedError(
                 "delta '" + path_ +
                 "' carries a format extension this version does not "
                 "understand")
          .WithExitCode(kSysExitPloopFmt);
    }
    pos += 24 + (uint64_t{size} + 7) / 8 * 8;
  }
  return vz::OkStatus();
}

vz::Status Delta::ValidateBat() {
  const uint64_t first = header_.first_data_cluster();
  const uint64_t head = alloc_head_;
  std::vector<bool> used(head, false);
  if (header_.extension_sectors) {
    uint64_t ext = header_.extension_sectors / cluster_sectors_;
    if (ext >= head)
      return Corrupt(path_, "format extension past the end of the file");
    used[ext] = true;
  }
  for (uint32_t c = 0; c < clusters_; ++c) {
    uint32_t e = bat_[c].load(std::memory_order_relaxed);
    if (e == 0) continue;
    uint64_t off = header_.version == Version::kV2
                       ? uint64_t{e} * cluster_bytes()
                       : uint64_t{e} * kSectorSize;
    if (e == 0xFFFFFFFF || off % cluster_bytes() != 0) {
      return Corrupt(path_, "BAT entry " + std::to_string(c) + " is invalid");
    }
    uint64_t idx = off / cluster_bytes();
    if (idx < first) {
      return Corrupt(path_,
                     "BAT entry " + std::to_string(c) + " points into the BAT");
    }
    if (idx >= head) {
      return Corrupt(path_, "BAT entry " + std::to_string(c) +
                                " points past the end of the file");
    }
    if (used[idx]) {
      return Corrupt(path_, "cluster " + std::to_string(idx) +
                                " is mapped more than once");
    }
    used[idx] = true;
  }
  return vz::OkStatus();
}

uint64_t Delta::Lookup(uint32_t c) const {
  if (c >= clusters_) return kUnmapped;
  if (kind_ == DeltaKind::kRaw) return uint64_t{c} * cluster_bytes();
  uint32_t e = bat_[c].load(std::memory_order_acquire);
  if (e == 0) return kUnmapped;
  return header_.version == Version::kV2 ? uint64_t{e} * cluster_bytes()
                                         : uint64_t{e} * kSectorSize;
}

vz::Result<uint64_t> Delta::FileSize() const {
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) {
    return vz::ErrnoError(errno, "stat '" + path_ + "'")
        .WithExitCode(kSysExitFstat);
  }
  return static_cast<uint64_t>(st.st_size);
}

vz::Result<uint64_t> Delta::AllocateCluster() {
  if (kind_ != DeltaKind::kExpanded || !writable_) {
    return vz::InternalError("allocate in read-only delta '" + path_ + "'");
  }
  std::lock_guard<std::mutex> lock(meta_mu_);
  uint64_t idx = alloc_head_;
  uint64_t off = idx * cluster_bytes();
  uint64_t limit = header_.version == Version::kV2
                       ? uint64_t{UINT32_MAX} * cluster_bytes()
                       : uint64_t{UINT32_MAX} * kSectorSize;
  if (off + cluster_bytes() > limit) {
    // EFBIG: the delta's format, not the host, has no room (the device
    // server holds only the host's ENOSPC for space to return).
    return vz::ResourceExhaustedError("delta '" + path_ + "' is full")
        .WithErrno(EFBIG)
        .WithExitCode(kSysExitFallocate);
  }
  // A partial tail (an extension interrupted by a crash, or a failed
  // fallocate) may hold old bytes: drop it, so new clusters read as zeros.
  if (partial_tail_) {
    if (::ftruncate(fd_.get(), static_cast<off_t>(off)) != 0) {
      return vz::ErrnoError(errno, "truncate '" + path_ + "'")
          .WithExitCode(kSysExitFtruncate);
    }
    partial_tail_ = false;
  }
  if (::fallocate(fd_.get(), 0, static_cast<off_t>(off),
                  static_cast<off_t>(cluster_bytes())) != 0) {
    int e = errno;
    // A failed fallocate (ENOSPC) may still have extended the file: undo
    // that now, or at the latest at the next allocation or clean close.
    partial_tail_ = ::ftruncate(fd_.get(), static_cast<off_t>(off)) != 0;
    errno = e;
    return vz::ErrnoError(errno, "allocate cluster in '" + path_ + "'")
        .WithExitCode(kSysExitFallocate);
  }
  alloc_head_ = idx + 1;
  if (header_.flags & kFlagEmpty) {
    header_.flags &= ~kFlagEmpty;
    dirty_blocks_[0] = true;
    any_dirty_ = true;
  }
  return off;
}

void Delta::SetEntry(uint32_t c, uint32_t entry) {
  std::lock_guard<std::mutex> lock(meta_mu_);
  bat_[c].store(entry, std::memory_order_release);
  dirty_blocks_[(uint64_t{c} + kMapOffset) / kSlotsPerBlock] = true;
  any_dirty_ = true;
}

void Delta::Map(uint32_t c, uint64_t offset) {
  uint32_t e = 0;
  if (offset != kUnmapped) {
    e = static_cast<uint32_t>(header_.version == Version::kV2
                                  ? offset / cluster_bytes()
                                  : offset / kSectorSize);
  }
  SetEntry(c, e);
}

vz::Status Delta::WriteMetaBlock(uint64_t block) {
  auto buf = Aligned(kMetaBlock);
  if (!buf)
    return vz::ResourceExhaustedError("out of memory")
        .WithExitCode(kSysExitMalloc);
  uint64_t first_slot = block * kSlotsPerBlock;
  if (block == 0) {
    auto h = EncodeHeader(header_);
    std::memcpy(buf.get(), h.data(), h.size());
  }
  for (uint32_t i = 0; i < kSlotsPerBlock; ++i) {
    uint64_t slot = first_slot + i;
    if (slot < kMapOffset) continue;
    uint64_t c = slot - kMapOffset;
    if (c >= clusters_) break;
    le::Store32(buf.get() + 4 * i, bat_[c].load(std::memory_order_acquire));
  }
  return WriteAt(block * kMetaBlock, buf.get(), kMetaBlock);
}

vz::Status Delta::WriteHeaderLocked() {
  VZ_RETURN_IF_ERROR(WriteMetaBlock(0));
  if (::fdatasync(fd_.get()) != 0) {
    return vz::ErrnoError(errno, "sync '" + path_ + "'")
        .WithExitCode(kSysExitFsync);
  }
  return vz::OkStatus();
}

vz::Status Delta::Sync() {
  if (!writable_) return vz::OkStatus();
  std::lock_guard<std::mutex> lock(meta_mu_);
  if (::fdatasync(fd_.get()) != 0) {
    return vz::ErrnoError(errno, "sync '" + path_ + "'")
        .WithExitCode(kSysExitFsync);
  }
  if (!any_dirty_) return vz::OkStatus();
  for (uint64_t b = 0; b < dirty_blocks_.size(); ++b) {
    if (!dirty_blocks_[b]) continue;
    VZ_RETURN_IF_ERROR(WriteMetaBlock(b));
    dirty_blocks_[b] = false;
  }
  any_dirty_ = false;
  if (::fdatasync(fd_.get()) != 0) {
    return vz::ErrnoError(errno, "sync '" + path_ + "'")
        .WithExitCode(kSysExitFsync);
  }
  return vz::OkStatus();
}

vz::Status Delta::MarkInUse() {
  if (kind_ != DeltaKind::kExpanded || !writable_) return vz::OkStatus();
  std::lock_guard<std::mutex> lock(meta_mu_);
  header_.in_use = kInUseMagic;
  header_.extension_sectors = 0;
  return WriteHeaderLocked();
}

vz::Status Delta::MarkClean() {
  if (!writable_) return vz::OkStatus();
  VZ_RETURN_IF_ERROR(Sync());
  if (kind_ != DeltaKind::kExpanded) return vz::OkStatus();
  std::lock_guard<std::mutex> lock(meta_mu_);
  if (partial_tail_ &&
      ::ftruncate(fd_.get(),
                  static_cast<off_t>(alloc_head_ * cluster_bytes())) == 0) {
    partial_tail_ = false;  // a clean close leaves whole clusters only
  }
  header_.in_use = 0;
  return WriteHeaderLocked();
}

vz::Status Delta::WriteHeader(const Header& h) {
  std::lock_guard<std::mutex> lock(meta_mu_);
  header_ = h;
  return WriteHeaderLocked();
}

vz::Status Delta::TruncateClusters(uint64_t clusters) {
  std::lock_guard<std::mutex> lock(meta_mu_);
  if (::ftruncate(fd_.get(), static_cast<off_t>(clusters * cluster_bytes())) !=
      0) {
    return vz::ErrnoError(errno, "truncate '" + path_ + "'")
        .WithExitCode(kSysExitFtruncate);
  }
  alloc_head_ = clusters;
  partial_tail_ = false;
  if (::fdatasync(fd_.get()) != 0) {
    return vz::ErrnoError(errno, "sync '" + path_ + "'")
        .WithExitCode(kSysExitFsync);
  }
  return vz::OkStatus();
}

vz::Status Delta::Resize(uint64_t size_bytes) {
  if (!writable_)
    return vz::InternalError("resize read-only delta '" + path_ + "'");
  if (kind_ == DeltaKind::kRaw) {
    int rc = size_bytes > raw_bytes_
                 ? ::fallocate(fd_.get(), 0, 0, static_cast<off_t>(size_bytes))
                 : ::ftruncate(fd_.get(), static_cast<off_t>(size_bytes));
    if (rc != 0)
      return vz::ErrnoError(errno, "resize '" + path_ + "'")
          .WithExitCode(kSysExitFallocate);
    raw_bytes_ = size_bytes;
    clusters_ = static_cast<uint32_t>((size_bytes + cluster_bytes() - 1) /
                                      cluster_bytes());
    if (::fdatasync(fd_.get()) != 0)
      return vz::ErrnoError(errno, "sync '" + path_ + "'");
    return vz::OkStatus();
  }
  std::lock_guard<std::mutex> lock(meta_mu_);
  Header h = header_;
  VZ_RETURN_IF_ERROR(ResizeHeader(h, size_bytes));
  const uint64_t old_first = header_.first_data_cluster();
  const uint64_t first = h.first_data_cluster();
  if (first > old_first) {
    // The BAT needs clusters [old_first, first): no data may live there
    // (callers move it first: lib/relocate.h EvacuateClusters).
    for (uint32_t c = 0; c < clusters_; ++c) {
      uint64_t off = Lookup(c);
      if (off != kUnmapped && off / cluster_bytes() < first) {
        return vz::InternalError("resize '" + path_ +
                                 "': data clusters in the way of the BAT");
      }
    }
    uint64_t ext = header_.extension_sectors / cluster_sectors_;
    if (header_.extension_sectors && ext < first) header_.extension_sectors = 0;
    if (::fallocate(fd_.get(), 0, 0,
                    static_cast<off_t>(first * cluster_bytes())) != 0) {
      return vz::ErrnoError(errno, "grow BAT of '" + path_ + "'")
          .WithExitCode(kSysExitFallocate);
    }
    alloc_head_ = std::max<uint64_t>(alloc_head_, first);
  }
  std::unique_ptr<std::atomic<uint32_t>[]> bat(
      new std::atomic<uint32_t>[h.bat_entries]);
  for (uint32_t c = 0; c < h.bat_entries; ++c) {
    bat[c].store(c < clusters_ ? bat_[c].load() : 0, std::memory_order_relaxed);
  }
  Header old = header_;
  bat_ = std::move(bat);
  clusters_ = h.bat_entries;
  dirty_blocks_.assign(first * cluster_bytes() / kMetaBlock, false);
  // Rewrite the whole BAT region (entries past a shrunken end must read 0,
  // a grown region must not hold stale data), durably, before the header
  // that makes a reader look at it: a crash leaves the old header over a
  // BAT that is valid for it.
  header_ = old;
  for (uint64_t b = 1; b < dirty_blocks_.size(); ++b)
    VZ_RETURN_IF_ERROR(WriteMetaBlock(b));
  if (::fdatasync(fd_.get()) != 0) {
    return vz::ErrnoError(errno, "sync '" + path_ + "'")
        .WithExitCode(kSysExitFsync);
  }
  h.extension_sectors = header_.extension_sectors;
  header_ = h;
  any_dirty_ = false;
  return WriteHeaderLocked();
}

vz::Status Delta::ReadAt(uint64_t offset, void* buf, size_t len) const {
  auto* p = static_cast<uint8_t*>(buf);
  while (len > 0) {
    ssize_t n = ::pread(fd_.get(), p, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return vz::ErrnoError(errno, "read '" + path_ + "'")
          .WithExitCode(kSysExitRead);
    if (n == 0) {
      return vz::DataLossError("read '" + path_ +
                               "': unexpected end of file at " +
                               std::to_string(offset))
          .WithExitCode(kSysExitRead);
    }
    p += n;
    offset += static_cast<uint64_t>(n);
    len -= static_cast<size_t>(n);
  }
  return vz::OkStatus();
}

vz::Status Delta::WriteAt(uint64_t offset, const void* buf, size_t len) {
  auto* p = static_cast<const uint8_t*>(buf);
  while (len > 0) {
    ssize_t n = ::pwrite(fd_.get(), p, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return vz::ErrnoError(errno, "write '" + path_ + "'")
          .WithExitCode(kSysExitWrite);
    p += n;
    offset += static_cast<uint64_t>(n);
    len -= static_cast<size_t>(n);
  }
  return vz::OkStatus();
}

vz::Result<std::unique_ptr<Delta>> Delta::CreateExpanded(
    const std::string& path, uint64_t size_bytes, uint32_t cluster_sectors,
    Version version) {
  VZ_ASSIGN_OR_RETURN(Header h,
                      MakeHeader(size_bytes, cluster_sectors, version));
  vz::UniqueFd fd(
      ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd)
    return vz::ErrnoError(errno, "create delta '" + path + "'")
        .WithExitCode(kSysExitCreat);
  auto fail = [&](vz::Status s) {
    ::unlink(path.c_str());
    return s;
  };
  uint64_t bat_bytes = uint64_t{h.first_data_cluster()} * h.cluster_bytes();
  if (::fallocate(fd.get(), 0, 0, static_cast<off_t>(bat_bytes)) != 0) {
    return fail(vz::ErrnoError(errno, "allocate '" + path + "'")
                    .WithExitCode(kSysExitFallocate));
  }
  auto enc = EncodeHeader(h);
  if (::pwrite(fd.get(), enc.data(), enc.size(), 0) !=
          static_cast<ssize_t>(enc.size()) ||
      ::fsync(fd.get()) != 0) {
    return fail(vz::ErrnoError(errno, "write '" + path + "'")
                    .WithExitCode(kSysExitWrite));
  }
  fd.reset();
  if (auto s = vz::FsyncDir(vz::DirName(path)); !s.ok()) return fail(s);
  DeltaOpenOptions o;
  o.writable = true;
  auto d = Open(path, DeltaKind::kExpanded, o);
  if (!d.has_value()) return fail(d.error());
  return d;
}

vz::Result<std::unique_ptr<Delta>> Delta::CreateRaw(const std::string& path,
                                                    uint64_t size_bytes,
                                                    uint32_t cluster_sectors) {
  vz::UniqueFd fd(
      ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd)
    return vz::ErrnoError(errno, "create delta '" + path + "'")
        .WithExitCode(kSysExitCreat);
  if (size_bytes == 0 ||
      ::fallocate(fd.get(), 0, 0, static_cast<off_t>(size_bytes)) != 0 ||
      ::fsync(fd.get()) != 0) {
    int e = size_bytes == 0 ? EINVAL : errno;
    ::unlink(path.c_str());
    return vz::ErrnoError(e, "allocate '" + path + "'")
        .WithExitCode(kSysExitFallocate);
  }
  fd.reset();
  VZ_RETURN_IF_ERROR(vz::FsyncDir(vz::DirName(path)));
  DeltaOpenOptions o;
  o.writable = true;
  o.raw_cluster_sectors = cluster_sectors;
  return Open(path, DeltaKind::kRaw, o);
}

}  // namespace ploop
