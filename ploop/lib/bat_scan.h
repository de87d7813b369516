// A BAT scan for `ploop check`: classifies every slot of an expanded
// delta's BAT region without trusting it (the delta may be corrupt).
// Pure: it looks at bytes and sizes only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ploop/lib/header.h"

namespace ploop {

struct BatScan {
  // Virtual clusters whose entry can never be valid: the reserved value,
  // a v1 offset not on a cluster boundary, a cluster inside the BAT.
  std::vector<uint32_t> invalid;
  // Virtual clusters whose entry points at or past the end of the file
  // (whole clusters only: a partial tail cluster does not count).
  std::vector<uint32_t> past_eof;
  // Slots past the disk's end (index >= m_Size) that are not zero.
  std::vector<uint32_t> past_end_slots;
  // Virtual clusters pointing at an image cluster an earlier entry uses.
  std::vector<uint32_t> double_mapped;
  uint64_t mapped = 0;  // valid entries, double-mapped ones included
  uint64_t free = 0;    // data clusters below the end nobody references
};

// `region` holds the file's first F clusters (header and BAT); `file_bytes`
// is the file's length.
BatScan ScanBat(const Header& h, std::span<const uint8_t> region,
                uint64_t file_bytes);

}  // namespace ploop
