// PrefetchBootSet: the reads a boot will make, made just ahead of it. One
// reader, one step in flight: the device server answers in turn, so
// whatever the reader has asked for and not yet received is what each of
// the boot's own reads waits behind (doc/storage.md §8).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "libvz/storage/boot_set.h"

namespace vz::storage {
namespace {

constexpr uint64_t kStep = 1 << 20;

bool Advise(int fd, uint64_t at, uint64_t len) {
  return ::posix_fadvise(fd, static_cast<off_t>(at), static_cast<off_t>(len),
                         POSIX_FADV_WILLNEED) == 0;
}

// Opens each entry below `rootfs` (OpenRegularInRoot) and hands the ones
// there to `use` with their index; counts the rest as missing.
template <typename Use>
PrefetchStats EachBootSetFile(const std::string& rootfs,
                              std::span<const BootSetEntry> set, Use use) {
  PrefetchStats stats{.files = set.size()};
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  for (size_t i = 0; i < set.size(); ++i) {
    UniqueFd file =
        root ? OpenRegularInRoot(root.get(), set[i].path) : UniqueFd();
    if (!file) {
      ++stats.missing;
      continue;
    }
    use(file.get(), i);
  }
  return stats;
}

}  // namespace

bool ReadAheadFile(int fd, uint64_t bytes) {
  for (uint64_t at = 0; at < bytes; at += kStep) {
    if (!Advise(fd, at, std::min(kStep, bytes - at))) return false;
  }
  return true;
}

bool ReadAheadInTurn(int fd, uint64_t bytes) {
  for (uint64_t at = 0; at < bytes; at += kStep) {
    const uint64_t len = std::min(kStep, bytes - at);
    if (!Advise(fd, at, len)) return false;
    // The step's last page is read once the whole step is: a one-byte read
    // of it waits for the step without copying it. Zero: the file shrank.
    char byte;
    if (::pread(fd, &byte, 1, static_cast<off_t>(at + len - 1)) <= 0) {
      return false;
    }
  }
  return true;
}

PrefetchStats PrefetchBootSet(const std::string& rootfs,
                              std::span<const BootSetEntry> set, int report) {
  return EachBootSetFile(rootfs, set, [&](int fd, size_t i) {
    if (auto id = IdOf(fd); report >= 0 && id.has_value()) {
      const std::string line = ReadAheadLine(*id, i);
      (void)!::write(report, line.data(), line.size());
    }
    (void)ReadAheadInTurn(fd, set[i].bytes);
  });
}

PrefetchStats FindBootSetFiles(const std::string& rootfs,
                               std::span<const BootSetEntry> set) {
  return EachBootSetFile(rootfs, set, [](int, size_t) {});
}

bool BootSetStale(const PrefetchStats& stats) {
  return stats.missing * 4 > stats.files;
}

bool WorthReadingAhead(const BootSet& set) {
  uint64_t total = 0;
  for (const auto& e : set.files) {
    total += e.bytes;
    if (total >= kBootSetMinReadAheadBytes) return true;
  }
  return false;
}

}  // namespace vz::storage
