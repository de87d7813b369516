#include "ploop/server/fuse_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string_view>

namespace ploop::server {
namespace {

constexpr uint64_t kEntryValidSec = 3600;

struct Entry {
  const char* name;
  uint64_t ino;
};
constexpr Entry kEntries[] = {{".", kRootIno},
                              {"..", kRootIno},
                              {"image", kImageIno},
                              {"part", kPartIno}};

}  // namespace

FuseFs::FuseFs(BlockEngine* engine)
    : engine_(engine), start_time_(static_cast<uint64_t>(::time(nullptr))) {}

uint32_t FuseFs::Init(const fuse_init_in& in, uint32_t max_write, bool uring,
                      fuse_init_out* out, bool* uring_granted) {
  std::memset(out, 0, sizeof *out);
  out->major = FUSE_KERNEL_VERSION;
  out->minor = kFuseMinor;
  out->max_readahead = in.max_readahead;
  uint64_t offered = in.flags;
  if (in.flags & FUSE_INIT_EXT) offered |= uint64_t{in.flags2} << 32;
  uint64_t want = FUSE_ASYNC_READ | FUSE_ASYNC_DIO | FUSE_BIG_WRITES |
                  FUSE_MAX_PAGES | FUSE_PARALLEL_DIROPS | FUSE_INIT_EXT;
  if (uring) want |= FUSE_OVER_IO_URING;
  want &= offered;
  *uring_granted = (want & FUSE_OVER_IO_URING) != 0;
  out->flags = static_cast<uint32_t>(want);
  out->flags2 = static_cast<uint32_t>(want >> 32);
  out->max_background = 256;
  out->congestion_threshold = 192;
  out->max_write = max_write;
  out->max_pages = static_cast<uint16_t>(max_write / 4096);
  out->time_gran = 1;
  return sizeof *out;
}

void FuseFs::Attr(uint64_t ino, fuse_attr* a) const {
  std::memset(a, 0, sizeof *a);
  a->ino = ino;
  a->atime = a->mtime = a->ctime = start_time_;
  a->blksize = 4096;
  if (ino == kRootIno) {
    a->mode = S_IFDIR | 0700;
    a->nlink = 2;
    return;
  }
  a->mode = S_IFREG | (engine_->read_only() ? 0400 : 0600);
  a->nlink = 1;
  a->size = engine_->FileSize(ino);
  a->blocks = a->size / 512;
}

int FuseFs::Lookup(uint64_t parent, const char* name, uint32_t len,
                   uint8_t* out) {
  if (parent != kRootIno) return -ENOENT;
  std::string_view n(name, strnlen(name, len));
  for (const Entry& e : kEntries) {
    if (n != e.name || e.ino == kRootIno) continue;
    auto* o = reinterpret_cast<fuse_entry_out*>(out);
    std::memset(o, 0, sizeof *o);
    o->nodeid = e.ino;
    o->generation = 1;
    o->entry_valid = kEntryValidSec;
    o->attr_valid = 0;
    Attr(e.ino, &o->attr);
    return sizeof *o;
  }
  return -ENOENT;
}

int FuseFs::ReadDir(const fuse_read_in& in, uint8_t* out, uint32_t cap) {
  uint32_t used = 0;
  cap = std::min(cap, in.size);
  for (uint64_t i = in.offset; i < sizeof kEntries / sizeof kEntries[0]; ++i) {
    const Entry& e = kEntries[i];
    uint32_t namelen = static_cast<uint32_t>(strlen(e.name));
    uint32_t rec =
        static_cast<uint32_t>(FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen));
    if (used + rec > cap) break;
    auto* d = reinterpret_cast<fuse_dirent*>(out + used);
    std::memset(d, 0, rec);
    d->ino = e.ino;
    d->off = i + 1;
    d->namelen = namelen;
    d->type = e.ino == kRootIno ? DT_DIR : DT_REG;
    std::memcpy(d->name, e.name, namelen);
    used += rec;
  }
  return static_cast<int>(used);
}

uint32_t OpHeaderSize(uint32_t opcode) {
  switch (opcode) {
    case FUSE_GETATTR:
      return sizeof(fuse_getattr_in);
    case FUSE_SETATTR:
      return sizeof(fuse_setattr_in);
    case FUSE_OPEN:
    case FUSE_OPENDIR:
      return sizeof(fuse_open_in);
    case FUSE_READ:
    case FUSE_READDIR:
      return sizeof(fuse_read_in);
    case FUSE_WRITE:
      return sizeof(fuse_write_in);
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR:
      return sizeof(fuse_release_in);
    case FUSE_FLUSH:
      return sizeof(fuse_flush_in);
    case FUSE_FSYNC:
    case FUSE_FSYNCDIR:
      return sizeof(fuse_fsync_in);
    case FUSE_FALLOCATE:
      return sizeof(fuse_fallocate_in);
    case FUSE_ACCESS:
      return sizeof(fuse_access_in);
    case FUSE_INIT:
      return sizeof(fuse_init_in);
    default:
      return 0;
  }
}

int FuseFs::Handle(const fuse_in_header& in, const uint8_t* arg,
                   const uint8_t* rest, uint32_t rest_len, uint8_t* out,
                   uint32_t out_cap) {
  // Every use of `arg` below reads the opcode's header, whose size the
  // transport has checked (OpHeaderSize).
  switch (in.opcode) {
    case FUSE_LOOKUP:
      return Lookup(in.nodeid, reinterpret_cast<const char*>(rest), rest_len,
                    out);
    case FUSE_GETATTR: {
      if (in.nodeid < kRootIno || in.nodeid > kPartIno) return -ENOENT;
      auto* o = reinterpret_cast<fuse_attr_out*>(out);
      std::memset(o, 0, sizeof *o);
      Attr(in.nodeid, &o->attr);
      return sizeof *o;
    }
    case FUSE_SETATTR: {
      const auto* s = reinterpret_cast<const fuse_setattr_in*>(arg);
      // The disk's size changes only through `ploop resize`.
      if ((s->valid & FATTR_SIZE) && s->size != engine_->FileSize(in.nodeid))
        return -EPERM;
      if (s->valid & (FATTR_MODE | FATTR_UID | FATTR_GID)) return -EPERM;
      auto* o = reinterpret_cast<fuse_attr_out*>(out);
      std::memset(o, 0, sizeof *o);
      Attr(in.nodeid, &o->attr);
      return sizeof *o;
    }
    case FUSE_OPEN: {
      if (in.nodeid != kImageIno && in.nodeid != kPartIno) return -EISDIR;
      const auto* o = reinterpret_cast<const fuse_open_in*>(arg);
      int acc = o->flags & O_ACCMODE;
      if (engine_->read_only() && acc != O_RDONLY) return -EROFS;
      if (o->flags & O_TRUNC) return -EPERM;
      auto* r = reinterpret_cast<fuse_open_out*>(out);
      std::memset(r, 0, sizeof *r);
      r->open_flags = FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES;
      return sizeof *r;
    }
    case FUSE_OPENDIR: {
      if (in.nodeid != kRootIno) return -ENOTDIR;
      auto* r = reinterpret_cast<fuse_open_out*>(out);
      std::memset(r, 0, sizeof *r);
      return sizeof *r;
    }
    case FUSE_READDIR:
      return ReadDir(*reinterpret_cast<const fuse_read_in*>(arg), out, out_cap);
    case FUSE_STATFS: {
      auto* s = reinterpret_cast<fuse_statfs_out*>(out);
      std::memset(s, 0, sizeof *s);
      s->st.bsize = s->st.frsize = 4096;
      s->st.namelen = 255;
      return sizeof *s;
    }
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR:
    case FUSE_FLUSH:
    case FUSE_FSYNCDIR:
    case FUSE_ACCESS:
      return 0;
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
    case FUSE_INTERRUPT:
      return kNoReply;
    case FUSE_DESTROY:
      return 0;
    case FUSE_MKNOD:
    case FUSE_MKDIR:
    case FUSE_CREATE:
    case FUSE_UNLINK:
    case FUSE_RMDIR:
    case FUSE_RENAME:
    case FUSE_RENAME2:
    case FUSE_LINK:
    case FUSE_SYMLINK:
      return -EPERM;
    default:
      return -ENOSYS;
  }
}

}  // namespace ploop::server
