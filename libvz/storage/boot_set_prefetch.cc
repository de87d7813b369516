// PrefetchBootSet: the reads a boot would make one after another, asked
// for at once. Threads, because each open may wait on a cold directory or
// inode block; the data reads themselves run on (POSIX_FADV_WILLNEED
// only queues them).
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "libvz/storage/boot_set.h"

namespace vz::storage {
namespace {

constexpr uint64_t kStep = 1 << 20;

}  // namespace

PrefetchStats PrefetchBootSet(const std::string& rootfs,
                              std::span<const BootSetEntry> set, int threads) {
  PrefetchStats stats{.files = set.size()};
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    stats.missing = set.size();
    return stats;
  }
  std::atomic<size_t> next{0};
  std::atomic<size_t> missing{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < set.size();) {
      UniqueFd file = OpenRegularInRoot(root.get(), set[i].path);
      if (!file) {
        missing.fetch_add(1);
        continue;
      }
      // One call reads ahead at most the device's largest request (1.25
      // MiB through the loop device): the rest is asked for in steps.
      for (uint64_t at = 0; at < set[i].bytes; at += kStep) {
        (void)::posix_fadvise(
            file.get(), static_cast<off_t>(at),
            static_cast<off_t>(std::min(kStep, set[i].bytes - at)),
            POSIX_FADV_WILLNEED);
      }
    }
  };
  std::vector<std::thread> pool;
  const int n = std::clamp(threads, 1, 16);
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  stats.missing = missing.load();
  return stats;
}

bool BootSetStale(const PrefetchStats& stats) {
  return stats.missing * 4 > stats.files;
}

}  // namespace vz::storage
