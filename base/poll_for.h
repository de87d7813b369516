// Waiting for a condition the kernel makes true soon, without a fixed poll
// period: killed tasks leaving a cgroup, a freeze, a loop device's release.
#pragma once

#include <chrono>
#include <functional>

#include "base/status.h"

namespace vz {

// Asks `done` until it says true or `limit` has passed, sleeping 1, 2, 4,
// 8, then 16 ms between asks: what mostly takes a millisecond or two is
// not rounded up to a fixed period. The first ask is at once, the last at
// or after the limit. Returns done's last answer, or its first error.
Result<bool> PollFor(std::chrono::milliseconds limit,
                     const std::function<Result<bool>()>& done);

}  // namespace vz
