#include "libvz/cpu_quiet.h"

#include <string>
#include <thread>
#include <vector>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"

namespace vz {

Result<CpuTimes> ParseCpuTimes(std::string_view proc_stat) {
  for (std::string_view line : SplitNonEmpty(proc_stat, '\n')) {
    std::vector<std::string> f = SplitNonEmpty(line, ' ');
    if (f.empty() || f[0] != "cpu") continue;
    // cpu user nice system idle iowait irq softirq steal ...
    std::vector<uint64_t> v;
    for (size_t i = 1; i < f.size() && i <= 8; ++i) {
      auto n = ParseUint(f[i]);
      if (!n.has_value()) break;
      v.push_back(*n);
    }
    if (v.size() < 4) break;
    v.resize(8, 0);
    return CpuTimes{.busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7],
                    .idle = v[3] + v[4]};
  }
  return InvalidArgumentError("no 'cpu' line in /proc/stat");
}

double IdleShare(const CpuTimes& before, const CpuTimes& after) {
  // iowait may go backwards (the kernel's NO_HZ accounting): no time then.
  auto since = [](uint64_t a, uint64_t b) { return b > a ? b - a : 0; };
  const uint64_t idle = since(before.idle, after.idle);
  const uint64_t all = idle + since(before.busy, after.busy);
  return all == 0 ? 1.0 : static_cast<double>(idle) / all;
}

bool WaitForQuietCpus(double min_idle, std::chrono::milliseconds window,
                      std::chrono::milliseconds limit) {
  auto sample = []() -> Result<CpuTimes> {
    VZ_ASSIGN_OR_RETURN(std::string text, ReadFile("/proc/stat"));
    return ParseCpuTimes(text);
  };
  auto before = sample();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (before.has_value() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(window);
    auto after = sample();
    if (!after.has_value()) return false;
    if (IdleShare(*before, *after) >= min_idle) return true;
    before = after;
  }
  return false;
}

}  // namespace vz
