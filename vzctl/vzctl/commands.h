// vzctl's subcommands, one entry point each, in files of their own; the
// table that `vzctl help` lists is in commands.cc.
#pragma once

#include <string>
#include <vector>

#include "vzctl/common/cli.h"

namespace vz::vzctl {

const std::vector<cli::Command>& Commands();

Status RunCreate(cli::Context& ctx, const cli::Args& args);
Status RunDestroy(cli::Context& ctx, const cli::Args& args);
Status RunMount(cli::Context& ctx, const cli::Args& args);
Status RunUmount(cli::Context& ctx, const cli::Args& args);
Status RunStatus(cli::Context& ctx, const cli::Args& args);
Status RunDu(cli::Context& ctx, const cli::Args& args);
Status RunSet(cli::Context& ctx, const cli::Args& args);
Status RunStart(cli::Context& ctx, const cli::Args& args);
Status RunStop(cli::Context& ctx, const cli::Args& args);
Status RunRestart(cli::Context& ctx, const cli::Args& args);
Status RunExec(cli::Context& ctx, const cli::Args& args);
Status RunExec2(cli::Context& ctx, const cli::Args& args);
Status RunEnter(cli::Context& ctx, const cli::Args& args);
Status RunRunscript(cli::Context& ctx, const cli::Args& args);
Status RunConsole(cli::Context& ctx, const cli::Args& args);
Status RunSuspend(cli::Context& ctx, const cli::Args& args);
Status RunResume(cli::Context& ctx, const cli::Args& args);
Status RunRecover(cli::Context& ctx, const cli::Args& args);
Status RunSnapshot(cli::Context& ctx, const cli::Args& args);
Status RunSnapshotList(cli::Context& ctx, const cli::Args& args);
Status RunSnapshotSwitch(cli::Context& ctx, const cli::Args& args);
Status RunSnapshotDelete(cli::Context& ctx, const cli::Args& args);
Status RunSnapshotMount(cli::Context& ctx, const cli::Args& args);
Status RunSnapshotUmount(cli::Context& ctx, const cli::Args& args);

// Whether container `ctid` runs (its monitor lives).
Result<bool> IsRunning(const cli::Context& ctx, const std::string& ctid);
// Recovers a stale container first (vzctl recover). Errors:
// kFailedPrecondition, exit 32 (VZ_VE_RUNNING), when it runs.
Status CheckNotRunning(const cli::Context& ctx, const std::string& ctid);

}  // namespace vz::vzctl
