#include "vzctl/common/cli.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "base/file_util.h"
#include "base/log.h"
#include "base/subprocess.h"
#include "libvz/ctid.h"
#include "libvz/exit_codes.h"
#include "libvz/journal.h"

namespace vz::cli {
namespace {

void PrintHelp(const std::string& program,
               const std::vector<Command>& commands) {
  std::cout << "Usage: " << program
            << " [-v] [-q] [--root DIR] COMMAND [ARGS]\n\nCommands:\n";
  for (const auto& c : commands) {
    std::string name = c.name;
    name.resize(20, ' ');
    std::cout << "  " << name << c.summary << "\n";
  }
  std::cout << "\n`" << program << " help COMMAND` shows a command's options.\n"
            << "Exit codes are OpenVZ's vzctl codes (doc/errors.md).\n";
}

const Command* Find(const std::vector<Command>& commands,
                    const std::string& name) {
  for (const auto& c : commands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

int Help(const std::string& program, const std::vector<Command>& commands,
         const Args& args) {
  if (args.empty()) {
    PrintHelp(program, commands);
    return 0;
  }
  const Command* c = Find(commands, args[0]);
  if (!c) {
    std::cerr << program << ": unknown command '" << args[0] << "'\n";
    return kVzInvalidParameterSyntax;
  }
  std::cout << "Usage: " << program << " " << c->usage << "\n\n"
            << c->summary << "\n\n"
            << c->details;
  return 0;
}

struct Globals {
  bool verbose = false;
  bool quiet = false;
  std::string root;
};

// Takes the global flags off the front of `args`.
Status TakeGlobals(Args& args, Globals& g) {
  while (!args.empty() && args[0].starts_with("-")) {
    const std::string a = args[0];
    if (a == "-v" || a == "--verbose") {
      g.verbose = true;
    } else if (a == "-q" || a == "--quiet") {
      g.quiet = true;
    } else if (a == "--root") {
      if (args.size() < 2) return Usage("--root needs a directory");
      g.root = args[1];
      args.erase(args.begin());
    } else if (a.starts_with("--root=")) {
      g.root = a.substr(7);
    } else {
      return OkStatus();  // help flags and unknown flags: the command's
    }
    args.erase(args.begin());
  }
  return OkStatus();
}

Result<NodeConfig> LoadNode(const std::string& flag_root) {
  VZ_ASSIGN_OR_RETURN(NodeRoot root, NodeRoot::FromFlagOrEnv(flag_root));
  return NodeConfig::Load(root);
}

// In the build tree the device server is in ploop/, beside vzctl/: tell
// ploop::ServerBinary() where, unless the environment already does.
void FindPloopServerInBuildTree() {
  if (std::getenv("VZ_PLOOP_SERVER")) return;
  std::string exe = SelfExecutable();
  if (exe.empty()) return;
  std::string server = DirName(DirName(exe)) + "/ploop/ploop-server";
  if (::access(server.c_str(), X_OK) == 0) {
    ::setenv("VZ_PLOOP_SERVER", server.c_str(), 0);
  }
}

int Fail(const std::string& prefix, const Status& s) {
  std::cerr << prefix << ": " << s.message() << "\n";
  return ExitCodeFor(s);
}

}  // namespace

Status Usage(const std::string& message) {
  return InvalidArgumentError(message).WithExitCode(kVzInvalidParameterSyntax);
}

int RunMain(const std::string& program, const std::vector<Command>& commands,
            int argc, char** argv) {
  Args args(argv + 1, argv + argc);
  Globals g;
  if (Status s = TakeGlobals(args, g); !s.ok()) return Fail(program, s);
  if (g.verbose) SetLogLevel(LogLevel::kDebug);
  FindPloopServerInBuildTree();
  if (args.empty()) {
    PrintHelp(program, commands);
    return kVzInvalidParameterSyntax;
  }
  const std::string name = args[0];
  args.erase(args.begin());
  if (name == "help" || name == "--help" || name == "-h") {
    return Help(program, commands, args);
  }
  const Command* cmd = Find(commands, name);
  if (!cmd) {
    std::cerr << program << ": unknown command '" << name << "' (see '"
              << program << " help')\n";
    return kVzInvalidParameterSyntax;
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") return Help(program, commands, {name});
  }
  auto node = LoadNode(g.root);
  if (!node.has_value()) return Fail(program, node.error());
  Context ctx{.node = std::move(*node),
              .verbose = g.verbose,
              .quiet = g.quiet,
              .program = program,
              .ctid = ""};
  const auto started = std::chrono::steady_clock::now();
  Status s = cmd->run(ctx, args);
  if (cmd->logged && ctx.node.logging()) {
    // A failed log write must not change the command's result.
    (void)AppendActionLog(ctx.node.log_file(),
                          MakeActionRecord(program, ctx.ctid, s, started));
  }
  if (!s.ok()) return Fail(program + " " + name, s);
  return 0;
}

Result<po::variables_map> Parse(const Args& args,
                                const po::options_description& options,
                                const std::vector<std::string>& positional,
                                int max_positional) {
  po::options_description all = options;
  po::positional_options_description pos;
  if (!positional.empty()) {
    all.add_options()("vz-positional", po::value<std::vector<std::string>>(),
                      "");
    pos.add("vz-positional", -1);
  }
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args)
                  .options(all)
                  .positional(pos)
                  .style(po::command_line_style::default_style &
                         ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Usage(e.what());
  }
  if (vm.count("vz-positional")) {
    auto values = vm["vz-positional"].as<std::vector<std::string>>();
    if (static_cast<int>(values.size()) > max_positional) {
      return Usage("unexpected argument '" +
                   values[static_cast<size_t>(max_positional)] + "'");
    }
    for (size_t i = 0; i < values.size() && i < positional.size(); ++i) {
      vm.emplace(positional[i], po::variable_value(values[i], false));
    }
  }
  return vm;
}

Result<std::string> Positional(const po::variables_map& vm,
                               const std::string& name,
                               const std::string& what) {
  if (!vm.count(name)) {
    return InvalidArgumentError("missing " + what)
        .WithExitCode(kVzNotEnoughParams);
  }
  return vm[name].as<std::string>();
}

Result<std::string> ContainerArg(Context& ctx, const po::variables_map& vm) {
  VZ_ASSIGN_OR_RETURN(std::string arg, Positional(vm, "ctid", "CTID"));
  ctx.ctid = arg;
  VZ_ASSIGN_OR_RETURN(std::string ctid,
                      ResolveContainer(ctx.node.conf_dir(), arg));
  ctx.ctid = ctid;
  return ctid;
}

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fM",
                static_cast<double>(bytes) / (1 << 20));
  return buf;
}

void Say(const Context& ctx, const std::string& line) {
  if (!ctx.quiet) std::cout << line << std::endl;
}

}  // namespace vz::cli
