// String helpers the standard library lacks in C++20 (no std::format here).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vz {

// Splits on every `sep`; "a,,b" -> {"a", "", "b"}; "" -> {""}.
std::vector<std::string> Split(std::string_view s, char sep);
// As Split, but drops empty pieces.
std::vector<std::string> SplitNonEmpty(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
// Strips spaces, tabs, CR and LF at both ends.
std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
// "'text'" with any "'" inside shown as-is: for messages only.
inline std::string Quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

}  // namespace vz
