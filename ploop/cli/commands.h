// One entry point per subcommand; the table is in commands.cc.
#pragma once

#include "ploop/cli/cli.h"

namespace ploop::cli {

vz::Status RunInit(const Args& args);

}  // namespace ploop::cli
