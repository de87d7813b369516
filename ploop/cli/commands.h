// One entry point per subcommand; the table is in commands.cc.
#pragma once

#include "ploop/cli/cli.h"

namespace ploop::cli {

vz::Status RunInit(const Args& args);
vz::Status RunMount(const Args& args);
vz::Status RunUmount(const Args& args);
vz::Status RunList(const Args& args);
vz::Status RunStat(const Args& args);
vz::Status RunIolimit(const Args& args);
vz::Status RunIoprio(const Args& args);

}  // namespace ploop::cli
