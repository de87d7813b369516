#include "vzctl/monitor/monitor_main.h"

#include <unistd.h>

#include <charconv>
#include <cstring>
#include <iostream>
#include <string>

#include "base/node_root.h"
#include "libvz/exit_codes.h"
#include "libvz/monitor.h"
#include "libvz/node_config.h"

namespace {

void Fail(int ready_fd, const std::string& message) {
  std::cerr << "vz-monitor: " << message << "\n";
  if (ready_fd >= 0) {
    std::string line =
        "error " + std::to_string(vz::kVzEnvCreateError) + " " + message + "\n";
    (void)!::write(ready_fd, line.data(), line.size());
  }
}

}  // namespace

namespace vz {

int MonitorMain(int argc, char** argv) {
  std::string root;
  vz::MonitorOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : "";
    if (a == "--root") {
      root = next;
      ++i;
    } else if (a == "--ctid") {
      options.ctid = next;
      ++i;
    } else if (a == "--ready-fd") {
      std::from_chars(next, next + std::strlen(next), options.ready_fd);
      ++i;
    } else if (a == "--premounted") {
      options.premounted = true;
    } else if (a == "--boot-weight") {
      options.boot_weight = true;
    } else {
      Fail(options.ready_fd, "unknown argument '" + a + "'");
      return vz::kVzInvalidParameterSyntax;
    }
  }
  if (options.ctid.empty()) {
    Fail(options.ready_fd, "missing --ctid");
    return vz::kVzInvalidParameterSyntax;
  }
  // Into the background at once: the starter reaps this first process and
  // reads the start's report from the ready descriptor; the monitor lives
  // on as nobody's child (vzctl spawns it without forking itself twice).
  if (pid_t pid = ::fork(); pid < 0) {
    Fail(options.ready_fd, std::string("fork: ") + std::strerror(errno));
    return vz::kVzEnvCreateError;
  } else if (pid > 0) {
    ::_exit(0);
  }
  auto node_root = vz::NodeRoot::FromFlagOrEnv(root);
  if (!node_root.has_value()) {
    Fail(options.ready_fd, node_root.error().message());
    return vz::ExitCodeFor(node_root.error());
  }
  auto node = vz::NodeConfig::Load(*node_root);
  if (!node.has_value()) {
    Fail(options.ready_fd, node.error().message());
    return vz::ExitCodeFor(node.error());
  }
  // Its memory is locked once the start is reported (Monitor::Run).
  return vz::RunMonitor(*node, options);
}

}  // namespace vz
