// RFC 4122 UUIDs.
//
// Uuid::Generate() makes a version 4 (random) UUID from getrandom(2).
// Parse() accepts "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" with or without
// surrounding braces, in either case; ToString() prints lowercase without
// braces, ToBraced() with them (ploop's DiskDescriptor.xml uses braces).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vz {

class Uuid {
 public:
  Uuid() = default;  // the nil UUID
  explicit Uuid(const std::array<uint8_t, 16>& bytes) : bytes_(bytes) {}

  // Errors: kUnavailable if the kernel gives no randomness.
  static Result<Uuid> Generate();
  // Errors: kInvalidArgument naming the text.
  static Result<Uuid> Parse(std::string_view text);

  bool is_nil() const { return bytes_ == std::array<uint8_t, 16>{}; }
  int version() const { return bytes_[6] >> 4; }
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }

  std::string ToString() const;
  std::string ToBraced() const { return "{" + ToString() + "}"; }

  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend auto operator<=>(const Uuid&, const Uuid&) = default;

 private:
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace vz
