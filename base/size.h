// Sizes in OpenVZ units.
//
// Text sizes are a non-negative integer with an optional one-letter suffix:
//   B bytes, K KiB, M MiB, G GiB, T TiB (powers of 1024, either case), and
//   P pages (4096 bytes) where the option allows pages.
// A plain number is in the unit the option documents (`default_unit`, in
// bytes): --diskspace counts 1K blocks, --iolimit MB/s, --ram bytes.
// Fractions ("1.5G") are accepted when the result is a whole number of bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vz {

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;
inline constexpr uint64_t kTiB = 1024 * kGiB;
inline constexpr uint64_t kPageSize = 4096;

struct SizeOptions {
  uint64_t default_unit = 1;  // bytes per unit of a plain number
  bool allow_pages = false;   // accept the P suffix
};

// Parses `text` into bytes. Errors (kInvalidArgument, message naming the
// text): empty, negative, garbage, unknown suffix, overflow past 2^64-1.
Result<uint64_t> ParseSize(std::string_view text, SizeOptions options = {});

// Exact, for configs: the largest of T/G/M/K that divides `bytes` ("10G",
// "1536M", "4097" -> "4097B" unless bytes_suffix is false).
std::string FormatSize(uint64_t bytes, bool bytes_suffix = true);

// For people: one decimal in the largest unit that fits ("1.5G", "512M",
// "100K", "17B").
std::string FormatHumanSize(uint64_t bytes);

// Unsigned integer from decimal digits only (no sign, no spaces).
Result<uint64_t> ParseUint(std::string_view text);

}  // namespace vz
