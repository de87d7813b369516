// Resizing the virtual disk of an image: the image part only (the device
// server and the CLI grow the filesystem after a grow and shrink it before
// a shrink).
//
// Grow changes the top delta: a larger header and BAT. When the BAT needs
// more clusters than the file reserves and data clusters lie there, those
// clusters move to the end of the file first (lib/relocate.h), crash-safe.
// The top's header grows before the descriptor does, so a crash leaves a
// top at least as large as the descriptor says, which opens.
//
// Shrink is refused when a lower delta maps clusters past the new end (they
// cannot be written: merge the snapshots first). Otherwise the descriptor
// shrinks first, then the top drops its clusters past the end, its header
// shrinks, and the file is compacted and truncated.
//
// Sizes are rounded up to a whole cluster. Errors: kInvalidArgument (38
// SYSEXIT_PARAM) for a size the format cannot hold, or a shrink passed to
// GrowImage and the reverse; kFailedPrecondition (38) for a shrink the lower
// deltas forbid or a read-only image; kUnavailable (18) when the image is
// held by another process; I/O errors.
//
// Thread-safety: no I/O may run on the image meanwhile.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "ploop/image.h"

namespace ploop {

struct ResizeReport {
  uint64_t old_bytes = 0;
  uint64_t new_bytes = 0;
  uint64_t relocated_clusters = 0;  // moved out of the BAT's way (grow)
  uint64_t reclaimed_bytes = 0;     // by which the top file shrank (shrink)
};

vz::Result<ResizeReport> GrowImage(Image& image, uint64_t size_bytes);
vz::Result<ResizeReport> ShrinkImage(Image& image, uint64_t size_bytes);
// Grows or shrinks, as `size_bytes` says.
vz::Result<ResizeReport> ResizeImage(Image& image, uint64_t size_bytes);

vz::Result<ResizeReport> GrowImage(const std::string& descriptor_path,
                                   uint64_t size_bytes);
vz::Result<ResizeReport> ResizeImage(const std::string& descriptor_path,
                                     uint64_t size_bytes);

}  // namespace ploop
