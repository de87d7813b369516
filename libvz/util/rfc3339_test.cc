#include "libvz/util/rfc3339.h"

#include <gtest/gtest.h>

namespace vz::util {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Rfc3339Test, FormatAndParse) {
  TimePoint t = TimePoint(seconds(1795895054)) + milliseconds(123);
  EXPECT_EQ(FormatRfc3339Millis(t), "2026-11-28T19:44:14.123Z");
  EXPECT_EQ(FormatRfc3339Seconds(t), "2026-11-28T19:44:14Z");
  EXPECT_EQ(*ParseRfc3339("2026-11-28T19:44:14.123Z"), t);
  EXPECT_EQ(*ParseRfc3339("2026-11-28T19:44:14Z"), t - milliseconds(123));
  EXPECT_EQ(FormatRfc3339Millis(TimePoint()), "1970-01-01T00:00:00.000Z");
}

TEST(Rfc3339Test, RefusesOtherForms) {
  for (const char* bad :
       {"", "2026-11-28", "2026-11-28T19:44:14", "2026-11-28T19:44:14+01:00",
        "2026-11-28 19:44:14Z", "2026-02-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "1969-12-31T23:59:59Z", "2026-11-28T24:00:00Z",
        "2026-11-28T19:44:14.1Z", "2026-11-28T19:44:14,123Z",
        "20x6-11-28T19:44:14Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace vz::util
