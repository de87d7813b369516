#include "ploop/lib/gpt.h"

#include <array>
#include <cstring>
#include <vector>

#include "ploop/exit_codes.h"
#include "ploop/lib/le.h"

namespace ploop {
namespace {

constexpr uint64_t kLba = 512;

std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

}  // namespace

uint32_t Crc32(const void* data, size_t len, uint32_t crc) {
  static const std::array<uint32_t, 256> kTable = MakeTable();
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < len; ++i)
    crc = kTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

vz::Result<Partition> FindFilesystemPartition(const DiskReader& read,
                                              uint64_t disk_bytes) {
  Partition whole{0, disk_bytes, false};
  if (disk_bytes < 34 * kLba) return whole;
  uint8_t hdr[kLba];
  VZ_RETURN_IF_ERROR(read(kLba, hdr, sizeof hdr));
  // Layout: GPT header, UEFI spec 5.3.2: signature at 0, header size at 12,
  // header CRC at 16, entries LBA at 72, entry count at 80, entry size at 84.
  if (std::memcmp(hdr, "EFI PART", 8) != 0) return whole;
  uint32_t hsize = le::Load32(hdr + 12);
  if (hsize < 92 || hsize > kLba) return whole;
  uint32_t want = le::Load32(hdr + 16);
  uint8_t copy[kLba];
  std::memcpy(copy, hdr, hsize);
  std::memset(copy + 16, 0, 4);
  if (Crc32(copy, hsize) != want) return whole;
  uint64_t entries_lba = le::Load64(hdr + 72);
  uint32_t entry_size = le::Load32(hdr + 84);
  if (entry_size < 128 || entry_size > 4096 ||
      entries_lba * kLba + entry_size > disk_bytes) {
    return whole;
  }
  std::vector<uint8_t> entry(entry_size);
  VZ_RETURN_IF_ERROR(read(entries_lba * kLba, entry.data(), entry.size()));
  // Layout: GPT entry: type GUID at 0 (zero = unused), first LBA at 32,
  // last LBA (inclusive) at 40.
  static const uint8_t kZero[16] = {};
  if (std::memcmp(entry.data(), kZero, 16) == 0) return whole;
  uint64_t first = le::Load64(entry.data() + 32),
           last = le::Load64(entry.data() + 40);
  if (first == 0 || last < first || (last + 1) * kLba > disk_bytes) {
    return vz::DataLossError("GPT partition 1 lies outside the disk")
        .WithExitCode(kSysExitPloopFmt);
  }
  return Partition{first * kLba, (last - first + 1) * kLba, true};
}

}  // namespace ploop
