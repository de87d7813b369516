// vz-monitor: the per-container monitor (libvz/monitor.h). vzctl start
// launches it; it is not meant to be run by hand. It puts itself in the
// background at once (its first process exits).
//
//   vz-monitor --root DIR --ctid CTID [--ready-fd N] [--premounted]
//              [--boot-weight]
//
// It is vzctl's program under a second name (a hard link the build makes,
// doc/adr/0009): vzctl's main runs MonitorMain when started as
// "vz-monitor".
#pragma once

namespace vz {

// The monitor's main: the arguments above; the exit code of its first
// process (0 once it is in the background, else OpenVZ's code).
int MonitorMain(int argc, char** argv);

}  // namespace vz
