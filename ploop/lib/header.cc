#include "ploop/lib/header.h"

#include <cstring>
#include <string>

#include "ploop/exit_codes.h"
#include "ploop/lib/le.h"

namespace ploop {
namespace {

// libploop's PLOOP_MAX_FS_SIZE: the largest disk we create.
constexpr uint64_t kMaxCreateBytes = uint64_t{50} << 40;

vz::Status Corrupt(const std::string& why) {
  return vz::DataLossError("corrupt ploop header: " + why)
      .WithExitCode(kSysExitPloopFmt);
}

bool ValidClusterSectors(uint32_t s) {
  return s >= kMinClusterSectors && s <= kMaxClusterSectors &&
         (s & (s - 1)) == 0;
}

uint32_t FirstDivisor(uint64_t v, std::initializer_list<uint32_t> candidates) {
  for (uint32_t c : candidates) {
    if (v % c == 0) return c;
  }
  return 0;
}

}  // namespace

Chs ComputeChs(uint64_t s) {
  if (s > 1032192 && s < 16777216)
    return {static_cast<uint32_t>(s / (63 * 16)), 16, 63};
  uint32_t sectors = FirstDivisor(s, {63, 32, 16, 8});
  uint32_t heads = sectors ? FirstDivisor(s / sectors, {16, 8, 4, 2}) : 0;
  if (!sectors || !heads || s / sectors / heads > UINT32_MAX) {
    return {static_cast<uint32_t>(std::min<uint64_t>(s, UINT32_MAX)), 1, 1};
  }
  return {static_cast<uint32_t>(s / sectors / heads), heads, sectors};
}

uint32_t BatClusters(uint64_t entries, uint32_t cluster_sectors) {
  uint64_t bytes = kHeaderSize + 4 * entries;
  uint64_t cluster = uint64_t{cluster_sectors} * kSectorSize;
  return static_cast<uint32_t>((bytes + cluster - 1) / cluster);
}

vz::Status ResizeHeader(Header& h, uint64_t size_bytes) {
  if (size_bytes == 0) return vz::InvalidArgumentError("invalid image size 0");
  if (size_bytes > kMaxCreateBytes) {
    return vz::InvalidArgumentError("image size " + std::to_string(size_bytes) +
                                    " exceeds the 50 TiB limit");
  }
  uint64_t cluster = h.cluster_bytes();
  uint64_t clusters = (size_bytes + cluster - 1) / cluster;
  uint64_t sectors = clusters * h.cluster_sectors;
  if (h.version == Version::kV1 && sectors > UINT32_MAX) {
    return vz::InvalidArgumentError(
        "image size exceeds the 2 TiB limit of ploop v1");
  }
  Chs chs = ComputeChs(sectors);
  h.heads = chs.heads;
  h.cylinders = chs.cylinders;
  h.bat_entries = static_cast<uint32_t>(clusters);
  h.size_sectors = sectors;
  uint32_t needed =
      BatClusters(clusters, h.cluster_sectors) * h.cluster_sectors;
  h.first_block_sectors = std::max(h.first_block_sectors, needed);
  return vz::OkStatus();
}

vz::Result<Header> MakeHeader(uint64_t size_bytes, uint32_t cluster_sectors,
                              Version version) {
  if (!ValidClusterSectors(cluster_sectors)) {
    return vz::InvalidArgumentError(
        "invalid cluster size " + std::to_string(cluster_sectors) +
        " sectors: must be a power of two from 8 to 65536");
  }
  Header h;
  h.version = version;
  h.cluster_sectors = cluster_sectors;
  h.flags = kFlagEmpty;
  VZ_RETURN_IF_ERROR(ResizeHeader(h, size_bytes));
  return h;
}

std::array<uint8_t, kHeaderSize> EncodeHeader(const Header& h) {
  std::array<uint8_t, kHeaderSize> b{};
  std::memcpy(b.data(), h.version == Version::kV1 ? kSignatureV1 : kSignatureV2,
              16);
  le::Store32(&b[16], h.type);
  le::Store32(&b[20], h.heads);
  le::Store32(&b[24], h.cylinders);
  le::Store32(&b[28], h.cluster_sectors);
  le::Store32(&b[32], h.bat_entries);
  if (h.version == Version::kV1) {
    le::Store32(&b[36], static_cast<uint32_t>(h.size_sectors));
  } else {
    le::Store64(&b[36], h.size_sectors);
  }
  le::Store32(&b[44], h.in_use);
  le::Store32(&b[48], h.first_block_sectors);
  le::Store32(&b[52], h.flags);
  if (h.version == Version::kV2) le::Store64(&b[56], h.extension_sectors);
  return b;
}

vz::Result<Header> DecodeHeader(std::span<const uint8_t> b) {
  if (b.size() < kHeaderSize) {
    return Corrupt("file too short (" + std::to_string(b.size()) + " bytes)");
  }
  Header h;
  if (std::memcmp(b.data(), kSignatureV2, 16) == 0) {
    h.version = Version::kV2;
  } else if (std::memcmp(b.data(), kSignatureV1, 16) == 0) {
    h.version = Version::kV1;
  } else {
    return Corrupt("unknown signature");
  }
  h.type = le::Load32(&b[16]);
  h.heads = le::Load32(&b[20]);
  h.cylinders = le::Load32(&b[24]);
  h.cluster_sectors = le::Load32(&b[28]);
  h.bat_entries = le::Load32(&b[32]);
  h.size_sectors =
      h.version == Version::kV1 ? le::Load32(&b[36]) : le::Load64(&b[36]);
  h.in_use = le::Load32(&b[44]);
  h.first_block_sectors = le::Load32(&b[48]);
  h.flags = le::Load32(&b[52]);
  h.extension_sectors = h.version == Version::kV2 ? le::Load64(&b[56]) : 0;

  if (h.type != kImageTypeCompressed)
    return Corrupt("type " + std::to_string(h.type) + " is not 2");
  if (!ValidClusterSectors(h.cluster_sectors)) {
    return Corrupt("invalid cluster size " + std::to_string(h.cluster_sectors) +
                   " sectors");
  }
  if (h.bat_entries == 0) return Corrupt("zero clusters");
  if (uint64_t{h.bat_entries} * h.cluster_sectors != h.size_sectors) {
    return Corrupt("size " + std::to_string(h.size_sectors) +
                   " sectors is not " + std::to_string(h.bat_entries) +
                   " clusters");
  }
  uint64_t min_first = uint64_t{BatClusters(h.bat_entries, h.cluster_sectors)} *
                       h.cluster_sectors;
  if (h.first_block_sectors % h.cluster_sectors != 0 ||
      h.first_block_sectors < min_first) {
    return Corrupt("first data cluster offset " +
                   std::to_string(h.first_block_sectors) + " is invalid");
  }
  if (h.flags == kFlagInvalid) return Corrupt("image marked invalid");
  if (h.flags & ~(kFlagEmpty | kFlagFmtVersionConvert)) {
    return Corrupt("unknown flags " + std::to_string(h.flags));
  }
  if (h.in_use != 0 && h.in_use != kInUseMagic && h.in_use != kClosedV21Magic) {
    return Corrupt("unknown in-use value " + std::to_string(h.in_use));
  }
  if (h.extension_sectors != 0 &&
      (h.extension_sectors % h.cluster_sectors != 0 ||
       h.extension_sectors < h.first_block_sectors)) {
    return Corrupt("invalid format extension offset " +
                   std::to_string(h.extension_sectors));
  }
  return h;
}

}  // namespace ploop
