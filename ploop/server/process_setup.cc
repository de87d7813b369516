#include "ploop/server/process_setup.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "base/file_util.h"
#include "base/log.h"
#include "base/self_cgroup.h"
#include "base/strings.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

namespace ploop::server {

void DetachFromCaller() {
  ::setsid();
  if (::chdir("/") != 0)
    VZ_LOG(kWarning) << "chdir /: " << std::strerror(errno);
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::close(null);
  }
}

void MoveToRootCgroups() {
  if (vz::InRootCgroups()) return;  // each move costs a grace period
  auto mountinfo = vz::ReadFile("/proc/self/mountinfo");
  if (!mountinfo.has_value()) return;
  std::string pid = std::to_string(::getpid());
  std::istringstream in(*mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    // Layout: mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE
    // SRC SUPER
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto fields = vz::Split(line.substr(0, dash), ' ');
    auto tail = vz::Split(line.substr(dash + 3), ' ');
    if (fields.size() < 5 || tail.empty()) continue;
    if (tail[0] != "cgroup" && tail[0] != "cgroup2") continue;
    if (fields[3] != "/")
      continue;  // a cgroup namespace's view, not the hierarchy root
    std::string procs = fields[4] + "/cgroup.procs";
    int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) continue;
    if (::write(fd, pid.data(), pid.size()) < 0) {
      VZ_LOG(kDebug) << "move to '" << procs << "': " << std::strerror(errno);
    }
    ::close(fd);
  }
}

void ProtectFromMemoryPressure() {
  if (::prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) != 0) {
    // Needs CAP_SYS_RESOURCE, which some hosts (containers, VMs) withhold.
    VZ_LOG(kInfo) << "PR_SET_IO_FLUSHER: " << std::strerror(errno);
  }
  int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (::write(fd, "-1000", 5) < 0)
      VZ_LOG(kInfo) << "oom_score_adj -1000: " << std::strerror(errno);
    ::close(fd);
  }
  if (::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0) {
    VZ_LOG(kWarning) << "mlockall: " << std::strerror(errno);
  }
}

int PossibleCpus() {
  auto text = vz::ReadFile("/sys/devices/system/cpu/possible");
  int max = -1;
  if (text.has_value()) {
    for (const auto& range : vz::SplitNonEmpty(vz::Trim(*text), ',')) {
      auto parts = vz::Split(range, '-');
      int hi = std::atoi(parts.back().c_str());
      if (hi > max) max = hi;
    }
  }
  if (max < 0) max = static_cast<int>(::sysconf(_SC_NPROCESSORS_CONF)) - 1;
  return max + 1;
}

}  // namespace ploop::server
