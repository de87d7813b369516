// vztmpl's subcommands (doc/vztmpl.md); the table is in commands.cc.
#pragma once

#include <vector>

#include "vzctl/common/cli.h"

namespace vz::vztmpl {

const std::vector<cli::Command>& Commands();

Status RunBuild(cli::Context& ctx, const cli::Args& args);
Status RunImport(cli::Context& ctx, const cli::Args& args);
Status RunList(cli::Context& ctx, const cli::Args& args);
Status RunInfo(cli::Context& ctx, const cli::Args& args);
Status RunRemove(cli::Context& ctx, const cli::Args& args);
Status RunVerify(cli::Context& ctx, const cli::Args& args);
Status RunSign(cli::Context& ctx, const cli::Args& args);
Status RunKey(cli::Context& ctx, const cli::Args& args);
Status RunTrust(cli::Context& ctx, const cli::Args& args);
Status RunHostKeys(cli::Context& ctx, const cli::Args& args);

}  // namespace vz::vztmpl
