#include "base/size.h"

#include <charconv>
#include <cstdio>

namespace vz {
namespace {

Status BadSize(std::string_view text, std::string_view why) {
  return InvalidArgumentError("invalid size '" + std::string(text) +
                              "': " + std::string(why));
}

}  // namespace

Result<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  if (text.empty()) return InvalidArgumentError("invalid number '': empty");
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) {
    return InvalidArgumentError("invalid number '" + std::string(text) +
                                "': too large");
  }
  if (ec != std::errc() || p != text.data() + text.size()) {
    return InvalidArgumentError("invalid number '" + std::string(text) + "'");
  }
  return v;
}

Result<uint64_t> ParseSize(std::string_view text, SizeOptions options) {
  if (text.empty()) return BadSize(text, "empty");
  std::string_view digits = text;
  uint64_t unit = options.default_unit;
  char last = text.back();
  if (!(last >= '0' && last <= '9')) {
    digits.remove_suffix(1);
    switch (last) {
      case 'b':
      case 'B':
        unit = 1;
        break;
      case 'k':
      case 'K':
        unit = kKiB;
        break;
      case 'm':
      case 'M':
        unit = kMiB;
        break;
      case 'g':
      case 'G':
        unit = kGiB;
        break;
      case 't':
      case 'T':
        unit = kTiB;
        break;
      case 'p':
      case 'P':
        if (!options.allow_pages)
          return BadSize(text, "pages (P) not allowed here");
        unit = kPageSize;
        break;
      default:
        return BadSize(text, "unknown suffix");
    }
  }
  if (digits.empty()) return BadSize(text, "no number");
  if (digits.front() == '-') return BadSize(text, "negative");
  std::string_view whole = digits, frac;
  if (auto dot = digits.find('.'); dot != std::string_view::npos) {
    whole = digits.substr(0, dot);
    frac = digits.substr(dot + 1);
    if (frac.empty() || frac.size() > 9) return BadSize(text, "bad fraction");
  }
  if (whole.empty()) return BadSize(text, "no number");
  uint64_t w = 0;
  auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), w);
  if (ec == std::errc::result_out_of_range) return BadSize(text, "too large");
  if (ec != std::errc() || p != whole.data() + whole.size())
    return BadSize(text, "not a number");
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(w, unit, &bytes))
    return BadSize(text, "too large");
  if (!frac.empty()) {
    uint64_t f = 0, scale = 1;
    auto [fp, fec] = std::from_chars(frac.data(), frac.data() + frac.size(), f);
    if (fec != std::errc() || fp != frac.data() + frac.size())
      return BadSize(text, "bad fraction");
    for (size_t i = 0; i < frac.size(); ++i) scale *= 10;
    unsigned __int128 part = static_cast<unsigned __int128>(f) * unit;
    if (part % scale != 0) return BadSize(text, "not a whole number of bytes");
    if (__builtin_add_overflow(bytes, static_cast<uint64_t>(part / scale),
                               &bytes)) {
      return BadSize(text, "too large");
    }
  }
  return bytes;
}

std::string FormatSize(uint64_t bytes, bool bytes_suffix) {
  static constexpr struct {
    uint64_t unit;
    char suffix;
  } kUnits[] = {{kTiB, 'T'}, {kGiB, 'G'}, {kMiB, 'M'}, {kKiB, 'K'}};
  if (bytes != 0) {
    for (const auto& u : kUnits) {
      if (bytes % u.unit == 0) return std::to_string(bytes / u.unit) + u.suffix;
    }
  }
  return std::to_string(bytes) + (bytes_suffix ? "B" : "");
}

std::string FormatHumanSize(uint64_t bytes) {
  static constexpr struct {
    uint64_t unit;
    char suffix;
  } kUnits[] = {{kTiB, 'T'}, {kGiB, 'G'}, {kMiB, 'M'}, {kKiB, 'K'}};
  for (const auto& u : kUnits) {
    if (bytes >= u.unit) {
      char buf[32];
      double v = static_cast<double>(bytes) / static_cast<double>(u.unit);
      if (bytes % u.unit == 0) {
        std::snprintf(buf, sizeof buf, "%llu%c",
                      static_cast<unsigned long long>(bytes / u.unit),
                      u.suffix);
      } else {
        std::snprintf(buf, sizeof buf, "%.1f%c", v, u.suffix);
      }
      return buf;
    }
  }
  return std::to_string(bytes) + "B";
}

}  // namespace vz
