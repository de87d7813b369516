// vzctl's stable exit codes, as OpenVZ's vzctl returns them.
//
// Scripts written for OpenVZ test these numbers, so they never change; the
// table with meanings is doc/errors.md (a unit test keeps the two in step).
// Library errors carry one of these in Status::exit_code() when the code
// that failed knows it (WithExitCode); the CLIs fall back to ExitCodeFor().
//
// Thread-safety: constants and pure functions.
#pragma once

#include <string_view>

#include "base/status.h"

namespace vz {

enum VzExit : int {
  kVzOk = 0,
  kVzSetUbcError = 1,
  kVzSetFshdError = 2,
  kVzSystemError = 3,
  kVzBadKernel = 5,
  kVzResourceError = 6,
  kVzEnvCreateError = 7,
  kVzCommandExecutionError = 8,
  kVzLocked = 9,
  kVzNoConfig = 10,
  kVzNoScript = 11,
  kVzNoAccess = 12,
  kVzSetCap = 13,
  kVzNoVeConfig = 14,
  kVzExecTimeout = 15,
  kVzChkpntError = 16,
  kVzRestoreError = 17,
  kVzInvalidParameterSyntax = 20,
  kVzInvalidParameterValue = 21,
  kVzVeRootNotSet = 22,
  kVzVePrivateNotSet = 23,
  kVzVeTmplNotSet = 24,
  kVzNotEnoughParams = 27,
  kVzVePkgSetNotSet = 29,
  kVzVeNotRunning = 31,
  kVzVeRunning = 32,
  kVzStopError = 33,
  kVzCantAddIp = 34,
  kVzFsNotMounted = 40,
  kVzFsMounted = 41,
  kVzFsNoPrvt = 43,
  kVzFsPrvtAreaExist = 44,
  kVzFsNoDiskSpace = 46,
  kVzFsBadTmpl = 47,
  kVzFsNewVePrvt = 48,
  kVzFsMpointCreate = 49,
  kVzFsCantMount = 50,
  kVzFsCantUmount = 51,
  kVzFsDelPrvt = 52,
  kVzCantCreateDir = 54,
  kVzBadHostname = 70,
  kVzBadIp = 71,
  kVzBadDnsSrv = 72,
  kVzBadDnsSearch = 73,
  kVzChangePass = 74,
  kVzIpInUse = 78,
  kVzActionScriptError = 79,
  kVzCpConfig = 82,
  kVzInvalidConfig = 85,
  kVzSetDevices = 86,
  kVzPkgSetNotFound = 91,
  kVzNoPloop = 99,
  kVzNetdevError = 104,
  kVzVeStartDisabled = 105,
  kVzNoDistrConf = 107,
  kVzApplyConfigError = 109,
  kVzVethError = 130,
  kVzSetNameError = 131,
  kVzWaitFailed = 133,
  kVzCreateImage = 151,
  kVzMountImage = 152,
  kVzUmountImage = 153,
  kVzResizeImage = 154,
  kVzConvertImage = 155,
  kVzCreateSnapshot = 156,
  kVzMergeSnapshot = 157,
  kVzDeleteSnapshot = 158,
  kVzSwitchSnapshot = 159,
  kVzMountSnapshot = 160,
  kVzUmountSnapshot = 161,
  kVzCompactImage = 166,
  kVzListSnapshot = 167,
};

// The exit code for `s`: its own if set, else the default for its canonical
// code (doc/errors.md): invalid-argument -> 21, already-exists -> 44,
// resource-exhausted -> 46, unavailable because a lock is held (errno
// EWOULDBLOCK) -> 9, anything else (not-found, failed-precondition, ...)
// -> 3. OK maps to 0.
int ExitCodeFor(const Status& s);

// OpenVZ's symbolic name ("VZ_LOCKED", "VZCTL_E_CREATE_IMAGE") of an exit
// code in the table, or "" for a number that is not in it.
std::string_view ExitCodeName(int code);

}  // namespace vz
