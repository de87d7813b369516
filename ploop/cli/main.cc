// ploop: manage ploop images (doc/ploop-format.md). See `ploop help`.
#include <stdlib.h>

#include <iostream>

#include "base/log.h"
#include "ploop/cli/cli.h"
#include "ploop/exit_codes.h"

namespace {

void PrintHelp() {
  std::cout
      << "Usage: ploop [-v] [--root DIR] COMMAND [OPTIONS] ARGS\n\nCommands:\n";
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

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  while (!args.empty() && args[0].size() >= 2 &&
         args[0].compare(0, 2, "-v") == 0) {
    vz::SetLogLevel(vz::LogLevel::kDebug);
    args.erase(args.begin());
  }
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
