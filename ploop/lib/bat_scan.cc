#include "ploop/lib/bat_scan.h"

#include "ploop/lib/le.h"

namespace ploop {

BatScan ScanBat(const Header& h, std::span<const uint8_t> region,
                uint64_t file_bytes) {
  BatScan scan;
  const uint64_t cb = h.cluster_bytes();
  const uint64_t first = h.first_data_cluster();
  const uint64_t head = file_bytes / cb;  // whole clusters in the file
  std::vector<bool> used(head > first ? head : first, false);
  if (h.extension_sectors) {
    uint64_t ext = h.extension_sectors / h.cluster_sectors;
    if (ext < used.size()) used[ext] = true;
  }
  const uint64_t slots = region.size() / 4;
  for (uint64_t slot = kMapOffset; slot < slots; ++slot) {
    uint32_t e = le::Load32(region.data() + slot * 4);
    uint64_t c = slot - kMapOffset;
    if (c >= h.bat_entries) {
      if (e != 0) scan.past_end_slots.push_back(static_cast<uint32_t>(c));
      continue;
    }
    if (e == 0) continue;
    uint32_t vc = static_cast<uint32_t>(c);
    uint64_t off = h.version == Version::kV2 ? uint64_t{e} * cb
                                             : uint64_t{e} * kSectorSize;
    if (e == 0xFFFFFFFF || off % cb != 0 || off / cb < first) {
      scan.invalid.push_back(vc);
      continue;
    }
    uint64_t idx = off / cb;
    if (idx >= head) {
      scan.past_eof.push_back(vc);
      continue;
    }
    ++scan.mapped;
    if (used[idx]) {
      scan.double_mapped.push_back(vc);
      continue;
    }
    used[idx] = true;
  }
  for (uint64_t i = first; i < head; ++i) scan.free += used[i] ? 0 : 1;
  return scan;
}

}  // namespace ploop
