#include "base/strings.h"

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(StringsTest, Split) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(SplitNonEmpty(",a,,b,", ','), (std::vector<std::string>{"a", "b"}));
}

TEST(StringsTest, JoinTrimLower) {
  EXPECT_EQ(Join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(Trim("  x y\t\r\n"), "x y");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(ToLower("AbC"), "abc");
  EXPECT_EQ(Quote("x"), "'x'");
}

}  // namespace
}  // namespace vz
