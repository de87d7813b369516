// Converting images between formats (`ploop convert`).
//
// raw <-> ploop1 rewrites the data into a new delta file `<base>.{guid}`,
// switches the descriptor to it atomically, then removes the old file; only
// images of a single delta convert (merge snapshots first). raw -> ploop1
// skips all-zero clusters: they read as zeros unmapped. ploop1 -> raw
// writes the mapped clusters into a fully allocated file.
//
// v1 <-> v2 rewrites every expanded delta's header and BAT in place (data
// clusters do not move): the BATs are backed up first
// (lib/bat_backup.h), the deltas flagged CIF_FmtVersionConvert while it
// runs. An interrupted conversion is undone by `ploop check -r`.
//
// Errors: kFailedPrecondition (38 SYSEXIT_PARAM) for images this cannot
// convert (snapshots, a shared delta, v1 limits), naming the reason;
// kUnavailable (18) when another process holds the image; I/O errors.
// Thread-safety: no I/O may run on the image meanwhile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "ploop/disk_descriptor.h"
#include "ploop/image.h"

namespace ploop {

struct ConvertReport {
  std::vector<std::string> notes;  // "already raw", ...
  uint64_t copied_clusters = 0;    // raw <-> ploop1
  uint64_t skipped_zero_clusters = 0;
  uint64_t converted_deltas = 0;  // v1 <-> v2
};

// Converts a single-delta image to `type` (Plain: raw, Compressed: ploop1
// v2). Converting to the type it has is a no-op with a note.
vz::Result<ConvertReport> ConvertFormat(Image& image, DeltaType type);
vz::Result<ConvertReport> ConvertFormat(const std::string& descriptor_path,
                                        DeltaType type);

// Converts every expanded delta of the image to format `version` (1 or 2).
vz::Result<ConvertReport> ConvertVersion(Image& image, int version);
vz::Result<ConvertReport> ConvertVersion(const std::string& descriptor_path,
                                         int version);

}  // namespace ploop
