// ploop's stable exit codes (SYSEXIT_*), as OpenVZ's ploop returns them.
// Scripts rely on these; doc/errors.md holds the table. Library errors carry
// one of these in Status::exit_code(); the CLI falls back to ExitCodeFor().
#pragma once

#include "base/status.h"

namespace ploop {

enum SysExit : int {
  kSysExitOk = 0,
  kSysExitCreat = 1,
  kSysExitDevice = 2,
  kSysExitDevIoc = 3,
  kSysExitOpen = 4,
  kSysExitMalloc = 5,
  kSysExitRead = 6,
  kSysExitWrite = 7,
  kSysExitSysfs = 9,
  kSysExitPloopFmt = 11,
  kSysExitSys = 12,
  kSysExitProtocol = 13,
  kSysExitLoop = 14,
  kSysExitFstat = 15,
  kSysExitFsync = 16,
  kSysExitEbusy = 17,
  kSysExitFlock = 18,
  kSysExitFtruncate = 19,
  kSysExitFallocate = 20,
  kSysExitMount = 21,
  kSysExitUmount = 22,
  kSysExitLock = 23,
  kSysExitMkfs = 24,
  kSysExitResizeFs = 26,
  kSysExitMkdir = 27,
  kSysExitRename = 28,
  kSysExitAbort = 29,
  kSysExitReloc = 30,
  kSysExitChangeGpt = 33,
  kSysExitUnlink = 35,
  kSysExitMknod = 36,
  kSysExitPloopInUse = 37,
  kSysExitParam = 38,
  kSysExitDiskDescr = 39,
  kSysExitDevNotMounted = 40,
  kSysExitFsck = 41,
  kSysExitNoSnap = 43,
};

// The exit code for `s`: its own if set, else one derived from its code
// (doc/errors.md). OK maps to 0.
int ExitCodeFor(const vz::Status& s);

}  // namespace ploop
