// The ploop1 delta header: the first 64 bytes of an expanded delta
// (doc/ploop-format.md §1.1). Header mirrors the on-disk fields; Encode and
// Decode convert between it and bytes; Decode validates every rule of §1.1.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "base/status.h"

namespace ploop {

inline constexpr uint64_t kSectorSize = 512;
inline constexpr size_t kHeaderSize = 64;
inline constexpr uint32_t kMapOffset = 16;  // BAT slot of virtual cluster 0
inline constexpr uint32_t kDefaultClusterSectors = 2048;  // 1 MiB
inline constexpr uint32_t kMinClusterSectors = 8;         // 4 KiB
inline constexpr uint32_t kMaxClusterSectors = 65536;     // 32 MiB
inline constexpr uint32_t kImageTypeCompressed = 2;
inline constexpr uint32_t kInUseMagic = 0x746F6E59;      // "Ynot"
inline constexpr uint32_t kClosedV21Magic = 0x312e3276;  // "v2.1"
inline constexpr uint32_t kFlagEmpty = 0x1;
inline constexpr uint32_t kFlagFmtVersionConvert = 0x2;
inline constexpr uint32_t kFlagInvalid = 0xFFFFFFFF;
inline constexpr char kSignatureV1[] = "WithoutFreeSpace";
inline constexpr char kSignatureV2[] = "WithouFreSpacExt";

enum class Version { kV1 = 1, kV2 = 2 };

struct Chs {
  uint32_t cylinders = 0, heads = 0, sectors = 0;
};

// Fake CHS geometry for a disk of `size_sectors` (§1.5).
Chs ComputeChs(uint64_t size_sectors);

struct Header {
  Version version = Version::kV2;
  uint32_t type = kImageTypeCompressed;
  uint32_t heads = 0;
  uint32_t cylinders = 0;
  uint32_t cluster_sectors = kDefaultClusterSectors;  // m_Sectors
  uint32_t bat_entries = 0;                           // m_Size
  uint64_t size_sectors = 0;                          // m_SizeInSectors
  uint32_t in_use = 0;                                // m_DiskInUse
  uint32_t first_block_sectors = 0;                   // m_FirstBlockOffset
  uint32_t flags = 0;                                 // m_Flags
  uint64_t extension_sectors = 0;                     // m_FormatExtensionOffset

  uint64_t cluster_bytes() const {
    return uint64_t{cluster_sectors} * kSectorSize;
  }
  uint64_t virtual_bytes() const { return size_sectors * kSectorSize; }
  // F: index of the first data cluster; clusters 0..F-1 hold the BAT.
  uint32_t first_data_cluster() const {
    return first_block_sectors / cluster_sectors;
  }
  friend bool operator==(const Header&, const Header&) = default;
};

// Number of clusters the header and a BAT of `entries` need.
uint32_t BatClusters(uint64_t entries, uint32_t cluster_sectors);

// The header of a new, empty delta of `size_bytes` (rounded up to a
// cluster). Errors: kInvalidArgument for a bad cluster size, a zero size, or
// a size the version cannot address.
vz::Result<Header> MakeHeader(uint64_t size_bytes, uint32_t cluster_sectors,
                              Version version);

// Changes the virtual size of `h` (grow or shrink), keeping its cluster
// size and version. The BAT may need more clusters than `h` reserves:
// callers compare first_block_sectors before and after. Errors as MakeHeader.
vz::Status ResizeHeader(Header& h, uint64_t size_bytes);

std::array<uint8_t, kHeaderSize> EncodeHeader(const Header& h);

// Parses and validates 64 header bytes. Errors: kDataLoss (exit code
// SYSEXIT_PLOOPFMT) naming the first rule broken.
vz::Result<Header> DecodeHeader(std::span<const uint8_t> bytes);

}  // namespace ploop
