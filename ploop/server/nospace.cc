#include "ploop/server/nospace.h"

#include <atomic>
#include <cstring>

#include "base/log.h"

namespace ploop::server {
namespace {

// Whether a line may go to the log now: at most once per 10 s per kind,
// across the server's threads (a full host fails every write of every
// retry, and a write that finds space can be followed by one that finds
// none again).
bool Say(std::atomic<uint64_t>& last, uint64_t now) {
  uint64_t before = last.load();
  return (before == 0 ||
          (now > before && now - before >= uint64_t{10} * 1000000000)) &&
         last.compare_exchange_strong(before, now);
}

std::atomic<uint64_t> g_said_wait{0};
std::atomic<uint64_t> g_said_fail{0};
std::atomic<bool> g_waiting{false};  // a wait was logged, its end was not

}  // namespace

void SayWritesWait(int err, uint64_t wait_ns, uint64_t now_ns) {
  if (Say(g_said_wait, now_ns)) {
    VZ_LOG(kError) << "no space on the host filesystem of the image ("
                   << std::strerror(err)
                   << "): its writes wait for space, up to "
                   << wait_ns / 1000000000 << " s each; free space on it";
  }
  g_waiting = true;
}

void SayWritesFail(int err, uint64_t held_ns, uint64_t now_ns) {
  if (Say(g_said_fail, now_ns)) {
    VZ_LOG(kError) << "no space on the host filesystem of the image ("
                   << std::strerror(err) << ") for " << held_ns / 1000000000
                   << " s: writes fail (the container sees I/O errors)";
  }
}

void SaySpaceAgain(uint64_t held_ns) {
  if (g_waiting.exchange(false)) {
    // A warning, so that ploop.log keeps the end of the episode too.
    VZ_LOG(kWarning) << "space again on the host: held writes go through (the "
                        "first waited "
                     << held_ns / 1000000 << " ms)";
  }
}

}  // namespace ploop::server
