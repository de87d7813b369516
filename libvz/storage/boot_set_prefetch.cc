// PrefetchBootSet: the reads a boot would make one after another, asked
// for at once. Threads, because each open may wait on a cold directory or
// inode block; the data reads themselves run on (POSIX_FADV_WILLNEED
// only queues them).
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "libvz/storage/boot_set.h"

namespace vz::storage {
namespace {

constexpr uint64_t kStep = 1 << 20;

struct Work {
  int root;
  std::span<const BootSetEntry> set;
  std::atomic<size_t> next{0};
  std::atomic<size_t> missing{0};
};

void* Worker(void* arg) {
  auto* w = static_cast<Work*>(arg);
  for (size_t i; (i = w->next.fetch_add(1)) < w->set.size();) {
    UniqueFd file = OpenRegularInRoot(w->root, w->set[i].path);
    if (!file) {
      w->missing.fetch_add(1);
      continue;
    }
    (void)ReadAheadFile(file.get(), w->set[i].bytes);
  }
  return nullptr;
}

}  // namespace

bool ReadAheadFile(int fd, uint64_t bytes) {
  for (uint64_t at = 0; at < bytes; at += kStep) {
    if (::posix_fadvise(fd, static_cast<off_t>(at),
                        static_cast<off_t>(std::min(kStep, bytes - at)),
                        POSIX_FADV_WILLNEED) != 0) {
      return false;
    }
  }
  return true;
}

PrefetchStats PrefetchBootSet(const std::string& rootfs,
                              std::span<const BootSetEntry> set, int threads) {
  PrefetchStats stats{.files = set.size()};
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    stats.missing = set.size();
    return stats;
  }
  Work work{.root = root.get(), .set = set};
  // Fewer threads when the kernel gives no more (a container's pids.max
  // counts them): the work is shared, whoever runs.
  std::vector<pthread_t> pool;
  for (int t = 1; t < std::clamp(threads, 1, 16); ++t) {
    pthread_t id;
    if (::pthread_create(&id, nullptr, Worker, &work) != 0) break;
    pool.push_back(id);
  }
  Worker(&work);
  for (pthread_t id : pool) ::pthread_join(id, nullptr);
  stats.missing = work.missing.load();
  return stats;
}

bool BootSetStale(const PrefetchStats& stats) {
  return stats.missing * 4 > stats.files;
}

}  // namespace vz::storage
