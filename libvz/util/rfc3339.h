// RFC 3339 timestamps in UTC, the one form libvz writes:
// "2026-11-28T19:44:14.123Z" (milliseconds) or "2026-11-28T19:44:14Z".
// Private to libvz. Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vz::util {

using TimePoint = std::chrono::system_clock::time_point;

// With milliseconds (journals).
std::string FormatRfc3339Millis(TimePoint t);
// Whole seconds (template manifests).
std::string FormatRfc3339Seconds(TimePoint t);

// `t` in UTC through strftime's `format` ("%Y-%m-%d %H:%M:%S"), whole
// seconds: the other forms OpenVZ's files use.
std::string FormatUtc(TimePoint t, const char* format);

// Parses either form above (UTC, 'Z' only; 1970..9999). Errors:
// kInvalidArgument naming the text.
Result<TimePoint> ParseRfc3339(std::string_view text);

}  // namespace vz::util
