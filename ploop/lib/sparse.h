// Holes in image files. Images are never sparse (doc/ploop-format.md §1.3):
// a hole in a delta means it was copied with a sparse-aware tool, and
// writes into holes can fail for lack of space. `ploop check` finds them
// and -r fills them.
//
// SEEK_DATA/SEEK_HOLE find candidates cheaply, but ext4 (and others)
// report reserved, unwritten extents (fallocate) as holes too, and
// those are fine. Each candidate is therefore confirmed with FIEMAP: only
// ranges without any extent count. Where FIEMAP is not supported, a file
// whose allocated blocks cover its length has no holes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace ploop {

struct Hole {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// The unallocated ranges of the open file `fd` (named `path` in errors).
vz::Result<std::vector<Hole>> FindHoles(int fd, const std::string& path);

// Allocates `holes` (fallocate: they read as zeros) and syncs.
vz::Status FillHoles(int fd, const std::string& path,
                     const std::vector<Hole>& holes);

}  // namespace ploop
