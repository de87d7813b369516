// One entry point per subcommand; the table is in commands.cc.
#pragma once

#include "ploop/cli/cli.h"

namespace ploop::cli {

vz::Status RunInit(const Args& args);
vz::Status RunSnapshot(const Args& args);
vz::Status RunSnapshotList(const Args& args);
vz::Status RunSnapshotSwitch(const Args& args);
vz::Status RunSnapshotDelete(const Args& args);
vz::Status RunSnapshotMerge(const Args& args);
vz::Status RunGrow(const Args& args);
vz::Status RunCheck(const Args& args);
vz::Status RunInfo(const Args& args);
vz::Status RunConvert(const Args& args);
vz::Status RunRestoreDescriptor(const Args& args);
vz::Status RunMount(const Args& args);
vz::Status RunUmount(const Args& args);
vz::Status RunList(const Args& args);
vz::Status RunStat(const Args& args);
vz::Status RunResize(const Args& args);
vz::Status RunCompact(const Args& args);
vz::Status RunIolimit(const Args& args);
vz::Status RunIoprio(const Args& args);

}  // namespace ploop::cli
