// Shared command-line plumbing of vzctl, vzlist and vztmpl: a table of
// subcommands, one file each, flags parsed with Boost.Program_options
// (exceptions caught here), the node loaded from --root / VZ_ROOT, exit
// codes from libvz/exit_codes.h, and one action-log line per mutating
// command (doc/journal.md §2).
//
// A subcommand parses its flags, makes library calls and prints results;
// RunMain maps the returned Status to vzctl's exit codes (doc/errors.md).
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "base/status.h"
#include "libvz/node_config.h"

namespace vz::cli {

namespace po = boost::program_options;

using Args = std::vector<std::string>;

// What every subcommand gets: the node and the global flags.
struct Context {
  NodeConfig node;
  bool verbose = false;
  bool quiet = false;
  std::string program;  // "vzctl"
  std::string ctid;     // set by the command once it knows its container,
                        // for the action log
};

struct Command {
  const char* name;
  const char* summary;
  const char* usage;    // the synopsis after the program name
  const char* details;  // what the options mean, one per line
  Status (*run)(Context& ctx, const Args& args);
  bool logged = true;  // writes an action-log line (false for read-only)
};

// The program: global flags (-v/--verbose, -q/--quiet, --root DIR), then
// COMMAND and its words. `commands` in the order help lists them.
int RunMain(const std::string& program, const std::vector<Command>& commands,
            int argc, char** argv);

// Parses `args`. `positional` names the positional arguments in order;
// more than `max_positional` is an error. Errors: kInvalidArgument, exit 20
// (VZ_INVALID_PARAMETER_SYNTAX), naming the bad option.
Result<po::variables_map> Parse(const Args& args,
                                const po::options_description& options,
                                const std::vector<std::string>& positional,
                                int max_positional = 1);

// The positional argument `name`, or exit 27 (VZ_NOT_ENOUGH_PARAMS)
// "missing WHAT".
Result<std::string> Positional(const po::variables_map& vm,
                               const std::string& name,
                               const std::string& what);

// kInvalidArgument with exit 20.
Status Usage(const std::string& message);

// The CTID that the positional "ctid" (a CTID or a --name) denotes; sets
// ctx.ctid. Errors: as ResolveContainer (exit 14 when unknown).
Result<std::string> ContainerArg(Context& ctx, const po::variables_map& vm);

// Bytes in MiB with one decimal, "12.5M" (du, vztmpl list).
std::string Mib(uint64_t bytes);

// Progress and notes on stdout unless --quiet.
void Say(const Context& ctx, const std::string& line);

}  // namespace vz::cli
