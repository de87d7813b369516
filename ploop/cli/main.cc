// ploop: manage ploop images (doc/ploop-format.md). See `ploop help`.
#include <stdlib.h>

#include <iostream>

#include "base/log.h"
#include "ploop/cli/cli.h"
#include "ploop/exit_codes.h"

namespace {

void PrintHelp() {
  std::cout << "Usage: ploop [-v[N]] [--root DIR] COMMAND [OPTIONS] "
               "ARGS\n\nCommands:\n";
  for (const auto& c : ploop::cli::Commands()) {
    std::string name = c.name;
    name.resize(20, ' ');
    std::cout << "  " << name << c.summary << "\n";
  }
  std::cout << "\n`ploop help COMMAND` or `ploop COMMAND --help` shows a "
               "command's options.\n"
               "Exit codes are ploop's SYSEXIT_* values (doc/errors.md).\n";
}

int Help(const std::vector<std::string>& args) {
  if (args.empty()) {
    PrintHelp();
    return 0;
  }
  const auto* c = ploop::cli::FindCommand(args[0]);
  if (!c) {
    std::cerr << "ploop: unknown command '" << args[0] << "'\n";
    return ploop::kSysExitParam;
  }
  std::cout << "Usage: ploop " << c->usage << "\n\n"
            << c->summary << "\n\n"
            << c->details;
  return 0;
}

// OpenVZ's -v[N] and -vvv: any of them turns on debug logging.
bool Verbosity(const std::string& a) {
  if (a.size() < 2 || a[0] != '-' || a[1] != 'v') return false;
  const std::string rest = a.substr(2);
  return rest.find_first_not_of('v') == std::string::npos ||
         rest.find_first_not_of("0123456789") == std::string::npos;
}

// Takes the options before the subcommand off `args`: -v[N], -vvv,
// --root DIR or --root=DIR. False, with the error printed, when one
// is malformed.
bool GlobalOptions(std::vector<std::string>& args) {
  while (!args.empty()) {
    const std::string& a = args[0];
    if (Verbosity(a)) {
      vz::SetLogLevel(vz::LogLevel::kDebug);
      args.erase(args.begin());
    } else if (a == "--root" || a.starts_with("--root=")) {
      std::string dir =
          a == "--root" ? (args.size() > 1 ? args[1] : "") : a.substr(7);
      if (dir.empty() || dir.starts_with("-")) {
        std::cerr << "ploop: --root needs a directory\n";
        return false;
      }
      ploop::cli::SetRootFlag(dir);
      args.erase(args.begin(), args.begin() + (a == "--root" ? 2 : 1));
    } else {
      break;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!GlobalOptions(args)) return ploop::kSysExitParam;
  if (args.empty()) {
    PrintHelp();
    return ploop::kSysExitParam;
  }
  std::string name = args[0];
  args.erase(args.begin());
  if (name == "help" || name == "--help" || name == "-h") return Help(args);
  const auto* cmd = ploop::cli::FindCommand(name);
  if (!cmd) {
    std::cerr << "ploop: unknown command '" << name << "' (see 'ploop help')\n";
    return ploop::kSysExitParam;
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") return Help({name});
  }
  vz::Status s = cmd->run(args);
  if (!s.ok()) {
    std::cerr << "ploop " << name << ": " << s.message() << "\n";
    return ploop::ExitCodeFor(s);
  }
  return 0;
}
