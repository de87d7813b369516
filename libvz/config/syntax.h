// One line of an OpenVZ shell-style config file, taken apart and put back
// together byte for byte (doc/config.md §1). Private to libvz; the public
// face is libvz/config.h.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace vz::config {

enum class QuoteStyle { kNone, kDouble, kSingle };

struct LineParts {
  enum class Kind { kBlank, kComment, kAssignment };
  Kind kind = Kind::kBlank;
  // For assignments: the verbatim text before KEY (indentation and an
  // optional "export "), the key, the decoded value, how it was quoted, and
  // the verbatim text after the value (blanks, a comment, a CR).
  std::string lead;
  std::string key;
  std::string value;
  QuoteStyle style = QuoteStyle::kDouble;
  std::string trail;
};

// Takes one line (without its LF) apart. Errors: kInvalidArgument whose
// message is only the reason ("unterminated double quote"); the caller adds
// the file and line.
Result<LineParts> ParseLine(std::string_view line);

// `[A-Za-z_][A-Za-z0-9_]*`, at most kMaxKeyLength characters.
inline constexpr size_t kMaxKeyLength = 128;
bool IsValidKey(std::string_view key);

// Whether `style` can carry `value` so that ParseLine gives it back.
bool StyleCanCarry(QuoteStyle style, std::string_view value);

// `value` quoted in `style`, which must be able to carry it.
std::string EncodeValue(std::string_view value, QuoteStyle style);

// lead + key + "=" + EncodeValue(value, style) + trail.
std::string FormatAssignment(const LineParts& parts);

}  // namespace vz::config
