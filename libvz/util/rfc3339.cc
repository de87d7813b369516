#include "libvz/util/rfc3339.h"

#include <time.h>

#include <cstdio>
#include <ctime>

namespace vz::util {
namespace {

std::string Format(TimePoint t, bool millis) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                t.time_since_epoch())
                .count();
  long long secs = ms / 1000;
  long long frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out(buf, static_cast<size_t>(n));
  if (millis) {
    std::snprintf(buf, sizeof buf, ".%03lld", frac);
    out += buf;
  }
  return out + "Z";
}

// `width` decimal digits at text[pos...], or -1.
int Digits(std::string_view text, size_t pos, size_t width) {
  if (pos + width > text.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

std::string FormatRfc3339Millis(TimePoint t) { return Format(t, true); }
std::string FormatRfc3339Seconds(TimePoint t) { return Format(t, false); }

Result<TimePoint> ParseRfc3339(std::string_view text) {
  auto bad = [&] {
    return InvalidArgumentError("invalid time '" + std::string(text) +
                                "': expected YYYY-MM-DDTHH:MM:SS[.mmm]Z");
  };
  if (text.size() != 20 && text.size() != 24) return bad();
  int year = Digits(text, 0, 4), mon = Digits(text, 5, 2),
      day = Digits(text, 8, 2), hour = Digits(text, 11, 2),
      min = Digits(text, 14, 2), sec = Digits(text, 17, 2);
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return bad();
  }
  int millis = 0;
  if (text.size() == 24) {
    if (text[19] != '.') return bad();
    millis = Digits(text, 20, 3);
  }
  if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 ||
      hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60 || millis < 0) {
    return bad();
  }
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  std::time_t secs = timegm(&tm);
  // timegm normalises 31 February into March; refuse dates that moved.
  struct tm check;
  gmtime_r(&secs, &check);
  if (check.tm_mday != day || check.tm_mon != mon - 1) return bad();
  return TimePoint(std::chrono::seconds(secs)) +
         std::chrono::milliseconds(millis);
}

std::string FormatUtc(TimePoint t, const char* format) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm;
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

}  // namespace vz::util
