#include "base/poll_for.h"

#include <algorithm>
#include <thread>

namespace vz {

Result<bool> PollFor(std::chrono::milliseconds limit,
                     const std::function<Result<bool>()>& done) {
  constexpr auto kLongest = std::chrono::milliseconds(16);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto step = std::chrono::milliseconds(1);
  for (;;) {
    VZ_ASSIGN_OR_RETURN(bool yes, done());
    const auto now = std::chrono::steady_clock::now();
    if (yes || now >= deadline) return yes;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(step, deadline - now));
    step = std::min(step * 2, kLongest);
  }
}

}  // namespace vz
