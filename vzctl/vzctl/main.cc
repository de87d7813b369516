// vzctl: create, run and manage containers (doc/vzctl.md). See `vzctl help`.
// Started under the name vz-monitor, the same program is the per-container
// monitor (vzctl/monitor/monitor_main.h, doc/adr/0009).
#include <string_view>

#include "vzctl/common/cli.h"
#include "vzctl/monitor/monitor_main.h"
#include "vzctl/vzctl/commands.h"

namespace {

bool StartedAsMonitor(const char* argv0) {
  std::string_view name = argv0 ? argv0 : "";
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  return name == "vz-monitor";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 0 && StartedAsMonitor(argv[0])) {
    return vz::MonitorMain(argc, argv);
  }
  return vz::cli::RunMain("vzctl", vz::vzctl::Commands(), argc, argv);
}
