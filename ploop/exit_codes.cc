#include "ploop/exit_codes.h"

namespace ploop {

int ExitCodeFor(const vz::Status& s) {
  if (s.ok()) return kSysExitOk;
  if (s.exit_code()) return *s.exit_code();
  switch (s.code()) {
    case vz::Code::kInvalidArgument:
      return kSysExitParam;
    case vz::Code::kDataLoss:
      return kSysExitPloopFmt;
    case vz::Code::kUnavailable:
      return kSysExitFlock;
    case vz::Code::kNotFound:
      return kSysExitOpen;
    case vz::Code::kResourceExhausted:
      return kSysExitFallocate;
    default:
      return kSysExitSys;
  }
}

}  // namespace ploop
