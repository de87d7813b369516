// The `ploop` command line: a table of subcommands, one file each.
//
// A subcommand parses its flags (Boost.Program_options, exceptions caught
// here), makes one library call and prints its result; main() maps the
// returned Status to ploop's exit codes (doc/errors.md).
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "base/node_root.h"
#include "base/status.h"
#include "base/uuid.h"

namespace ploop::cli {

namespace po = boost::program_options;

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;
  const char* usage;    // the synopsis after "ploop "
  const char* details;  // what the options mean, one per line
  vz::Status (*run)(const Args& args);
};

// The node root: `--root DIR` before the subcommand (SetRootFlag, from
// main), else $VZ_ROOT, else "/". Errors: as NodeRoot::Make.
void SetRootFlag(std::string dir);
vz::Result<vz::NodeRoot> Node();

// All subcommands, in the order `ploop help` lists them.
const std::vector<Command>& Commands();
const Command* FindCommand(const std::string& name);

// Parses `args` (the words after the subcommand). `positional` names the
// positional arguments in order; `max_positional` bounds their count.
// Errors: kInvalidArgument (SYSEXIT_PARAM) naming the bad option.
vz::Result<po::variables_map> Parse(const Args& args,
                                    const po::options_description& options,
                                    const std::vector<std::string>& positional,
                                    int max_positional = 1);

// A size for -s: a number of 512-byte sectors, or with a K/M/G/T suffix.
vz::Result<uint64_t> ParseImageSize(const std::string& text);

// The positional argument `name`, or kInvalidArgument "missing NAME".
vz::Result<std::string> Positional(const po::variables_map& vm,
                                   const std::string& name,
                                   const std::string& what);

// kInvalidArgument with SYSEXIT_PARAM.
vz::Status Usage(const std::string& message);

// A snapshot GUID from -u, with or without braces. Errors: kInvalidArgument
// (SYSEXIT_PARAM) naming the text.
vz::Result<vz::Uuid> ParseGuid(const std::string& text);

// The DiskDescriptor.xml positional argument (a directory names the
// descriptor in it).
vz::Result<std::string> DescriptorArg(const po::variables_map& vm);

// Prints library notes ("copied shared delta ... up") one per line.
void PrintNotes(const std::vector<std::string>& notes);

}  // namespace ploop::cli
