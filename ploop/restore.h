// Rebuilding a lost DiskDescriptor.xml from a base delta
// (`ploop restore-descriptor`): one delta, the top, sized and blocked as
// its header says (ploop1), or as its length and the given cluster size
// say (raw).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "ploop/disk_descriptor.h"

namespace ploop {

struct RestoreParams {
  // Raw or ploop1; default: ploop1 when the file has a ploop1 header.
  std::optional<DeltaType> type;
  // Cluster size in sectors: required for raw, checked against ploop1.
  uint32_t cluster_sectors = 0;
};

// Writes `dir`/DiskDescriptor.xml for `base_delta`, which must be a file in
// `dir` (a bare name is taken to be one). Errors: kAlreadyExists (38
// SYSEXIT_PARAM) when a descriptor exists; kInvalidArgument (38) for a file
// outside `dir`, a missing -b for raw, a cluster size that contradicts the
// header; kDataLoss (11) for a file that is not ploop1 when ploop1 was
// asked for; I/O errors.
vz::Status RestoreDescriptor(const std::string& dir,
                             const std::string& base_delta,
                             const RestoreParams& params);

}  // namespace ploop
