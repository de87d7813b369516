// BootSetRecorder: fanotify in file-handle mode, so the kernel opens no
// file on our behalf (an event fd would open a device the container
// made, with whatever its driver does on open): each event names the
// directory by handle and the file by name.
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <unordered_map>

#include "base/file_util.h"
#include "base/log.h"
#include "base/strings.h"
#include "libvz/storage/boot_set.h"

namespace vz::storage {
namespace {

constexpr ino_t kExt4RootIno = 2;

// cachestat(2) (Linux 6.5): Debian 12's headers predate it.
constexpr long kSysCachestat = 451;
struct CachestatRange {
  uint64_t off;
  uint64_t len;
};
struct Cachestat {
  uint64_t nr_cache;
  uint64_t nr_dirty;
  uint64_t nr_writeback;
  uint64_t nr_evicted;
  uint64_t nr_recently_evicted;
};

Result<uint64_t> MincoreOf(int fd, uint64_t size) {
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return ErrnoError(errno, "mmap");
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec((size + page - 1) / page);
  int rc = ::mincore(map, size, vec.data());
  int err = errno;
  ::munmap(map, size);
  if (rc != 0) return ErrnoError(err, "mincore");
  uint64_t cached = 0;
  for (unsigned char v : vec) cached += (v & 1) ? page : 0;
  return cached;
}

// The handle's bytes as a map key.
std::string HandleKey(const file_handle* fh) {
  return std::string(reinterpret_cast<const char*>(&fh->handle_type),
                     sizeof fh->handle_type) +
         std::string(reinterpret_cast<const char*>(fh->f_handle),
                     fh->handle_bytes);
}

std::optional<std::string> ReadLink(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) == sizeof buf) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

Result<uint64_t> PageCacheEntered(int fd, uint64_t size) {
  // Only that much is ever read ahead; and mincore's vector and scan grow
  // with the range (a sparse file can claim terabytes).
  size = std::min(size, kBootSetMaxFileBytes);
  if (size == 0) return uint64_t{0};
  CachestatRange range{0, size};
  Cachestat cs{};
  if (::syscall(kSysCachestat, fd, &range, &cs, 0) == 0) {
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    return std::min((cs.nr_cache + cs.nr_evicted) * page, size);
  }
  if (errno != ENOSYS) return ErrnoError(errno, "cachestat");
  return MincoreOf(fd, size);
}

Status CheckDiskRoot(int fd, const std::string& path) {
  struct stat st, parent;
  struct statfs fs;
  if (::fstat(fd, &st) != 0 || ::fstatfs(fd, &fs) != 0 ||
      ::stat((path + "/..").c_str(), &parent) != 0) {
    return ErrnoError(errno, "stat '" + path + "'");
  }
  if (st.st_dev == parent.st_dev || fs.f_type != EXT4_SUPER_MAGIC ||
      st.st_ino != kExt4RootIno) {
    return FailedPreconditionError("'" + path +
                                   "' is not the root of a mounted ext4");
  }
  return OkStatus();
}

Result<BootSetRecorder> BootSetRecorder::Start(const std::string& rootfs) {
  // Not O_PATH: open_by_handle_at refuses such a descriptor.
  UniqueFd root(::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return ErrnoError(errno, "open '" + rootfs + "'");
  // As the kernel spells it, which is how the directories' paths come back.
  auto real = ReadLink("/proc/self/fd/" + std::to_string(root.get()));
  if (!real.has_value()) return ErrnoError(errno, "resolve '" + rootfs + "'");
  // A mark on the filesystem under a plain directory or a bind mount
  // would record a host filesystem's files: only the root of an ext4
  // mounted right there (a container's disk) will do.
  VZ_RETURN_IF_ERROR(CheckDiskRoot(root.get(), rootfs));
  UniqueFd fan(::fanotify_init(
      FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME,
      O_RDONLY | O_CLOEXEC));
  if (!fan) return ErrnoError(errno, "fanotify_init");
  if (::fanotify_mark(fan.get(), FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN,
                      AT_FDCWD, rootfs.c_str()) != 0) {
    return ErrnoError(errno, "fanotify_mark '" + rootfs + "'");
  }
  return BootSetRecorder(std::move(fan), std::move(root), *real);
}

// The directory's path relative to the root ("" for the root itself);
// nullopt when it is gone or outside the root. Cached per handle.
std::optional<std::string> BootSetRecorder::DirPath(const void* handle) {
  auto* fh = static_cast<const file_handle*>(handle);
  std::string key = HandleKey(fh);
  if (auto it = dirs_.find(key); it != dirs_.end()) return it->second;
  std::optional<std::string> rel;
  // The handle is copied: open_by_handle_at takes a non-const one.
  std::string copy(reinterpret_cast<const char*>(fh),
                   sizeof(file_handle) + fh->handle_bytes);
  UniqueFd dir(::open_by_handle_at(root_.get(),
                                   reinterpret_cast<file_handle*>(copy.data()),
                                   O_PATH | O_CLOEXEC));
  if (dir) {
    auto path = ReadLink("/proc/self/fd/" + std::to_string(dir.get()));
    if (path.has_value() && *path == rootfs_) {
      rel = "";
    } else if (path.has_value() && path->starts_with(rootfs_ + "/")) {
      rel = path->substr(rootfs_.size() + 1);
    }
  }
  dirs_.emplace(std::move(key), rel);
  return rel;
}

void BootSetRecorder::OnEvent(const void* info, size_t len) {
  auto* fid = static_cast<const fanotify_event_info_fid*>(info);
  auto* fh = reinterpret_cast<const file_handle*>(fid->handle);
  const size_t fixed = sizeof *fid + sizeof *fh;
  if (len < fixed || len < fixed + fh->handle_bytes + 1) return;
  const char* name =
      reinterpret_cast<const char*>(fh->f_handle) + fh->handle_bytes;
  std::string file(name, ::strnlen(name, len - fixed - fh->handle_bytes));
  auto dir = DirPath(fh);
  if (!dir.has_value() || file.empty() || file == ".") return;
  std::string path = dir->empty() ? file : *dir + "/" + file;
  if (opened_.size() == kBootSetMaxFiles || !seen_.insert(path).second) {
    return;
  }
  opened_.push_back(std::move(path));
}

void BootSetRecorder::ReadEvents() {
  alignas(fanotify_event_metadata) char buf[64 << 10];
  for (;;) {
    ssize_t n = ::read(fan_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    auto* m = reinterpret_cast<fanotify_event_metadata*>(buf);
    for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
      if (m->vers != FANOTIFY_METADATA_VERSION) return;
      if (m->mask & FAN_Q_OVERFLOW) continue;  // the first events are kept
      if (m->pid == ignored_pid_) continue;
      const char* p = reinterpret_cast<const char*>(m) + m->metadata_len;
      const char* end = reinterpret_cast<const char*>(m) + m->event_len;
      while (p + sizeof(fanotify_event_info_header) <= end) {
        auto* hdr = reinterpret_cast<const fanotify_event_info_header*>(p);
        if (hdr->len == 0 || p + hdr->len > end) break;
        if (hdr->info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
          OnEvent(p, hdr->len);
        }
        p += hdr->len;
      }
    }
  }
}

void BootSetRecorder::Stop() {
  if (!fan_ || stopped_) return;
  // No new events from here on: a container that keeps opening files
  // cannot keep the queue from running dry. Queued ones stay readable
  // until the group is closed.
  (void)::fanotify_mark(fan_.get(), FAN_MARK_FLUSH | FAN_MARK_FILESYSTEM, 0,
                        AT_FDCWD, rootfs_.c_str());
  stopped_ = true;
}

std::vector<BootSetEntry> WithinBudget(std::span<const BootSetEntry> cached) {
  std::vector<BootSetEntry> set;
  uint64_t total = 0;
  for (const BootSetEntry& file : cached) {
    if (file.bytes == 0) continue;
    const uint64_t bytes = std::min(file.bytes, kBootSetMaxFileBytes);
    if (total + bytes > kBootSetMaxBytes) continue;
    total += bytes;
    set.push_back({file.path, bytes});
  }
  return set;
}

FileId IdOf(int fd, ino_t ino) {
  unsigned int generation = 0;
  if (::ioctl(fd, FS_IOC_GETVERSION, &generation) != 0) generation = 0;
  return FileId{static_cast<uint64_t>(ino), generation};
}

std::optional<FileId> IdOf(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return std::nullopt;
  return IdOf(fd, st.st_ino);
}

std::string ReadAheadLine(const FileId& id, size_t index) {
  return std::to_string(id.ino) + " " + std::to_string(id.generation) + " " +
         std::to_string(index) + "\n";
}

ReadAhead ParseReadAhead(std::string_view report,
                         std::span<const BootSetEntry> set) {
  ReadAhead ahead;
  // What follows the last newline is a line the reader did not finish.
  report = report.substr(0, report.rfind('\n') + 1);
  for (const std::string& line : SplitNonEmpty(report, '\n')) {
    const char* p = line.data();
    const char* end = p + line.size();
    FileId id;
    size_t index = 0;
    auto a = std::from_chars(p, end, id.ino);
    if (a.ec != std::errc() || a.ptr == end || *a.ptr != ' ') break;
    auto b = std::from_chars(a.ptr + 1, end, id.generation);
    if (b.ec != std::errc() || b.ptr == end || *b.ptr != ' ') break;
    auto c = std::from_chars(b.ptr + 1, end, index);
    if (c.ec != std::errc() || c.ptr != end || index >= set.size()) break;
    ahead[id].push_back(set[index].path);
  }
  return ahead;
}

std::vector<BootSetEntry> Attribute(std::span<const OpenedFile> opened,
                                    const ReadAhead& ahead) {
  std::vector<BootSetEntry> out;
  out.reserve(opened.size());
  for (const OpenedFile& f : opened) {
    if (auto it = ahead.find(f.id);
        it != ahead.end() &&
        std::ranges::find(it->second, f.path) == it->second.end()) {
      continue;  // read ahead under another name: renamed during the boot
    }
    out.push_back({f.path, f.cached});
  }
  return out;
}

std::vector<BootSetEntry> BootSetRecorder::Finish(const ReadAhead& ahead) {
  Stop();
  if (fan_) ReadEvents();
  std::vector<OpenedFile> opened;
  for (const std::string& path : opened_) {
    if (!ValidBootSetPath(path)) continue;
    UniqueFd file = OpenRegularInRoot(root_.get(), path);
    struct stat st;
    if (!file || ::fstat(file.get(), &st) != 0) continue;
    auto bytes =
        PageCacheEntered(file.get(), static_cast<uint64_t>(st.st_size));
    if (bytes.has_value()) {
      opened.push_back({path, IdOf(file.get(), st.st_ino), *bytes});
    }
  }
  // Nothing held on the container's filesystem from here: its unmount
  // may follow. The group stays open until the destructor (boot_set.h).
  root_.reset();
  return WithinBudget(Attribute(opened, ahead));
}

}  // namespace vz::storage
