#include "base/uuid.h"

#include <set>

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(UuidTest, GenerateIsVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    Uuid u = *Uuid::Generate();
    EXPECT_EQ(u.version(), 4);
    EXPECT_EQ(u.bytes()[8] & 0xc0, 0x80);
    EXPECT_TRUE(seen.insert(u.ToString()).second);
  }
}

TEST(UuidTest, ParseAndFormat) {
  const char* top = "{5fbaabe3-6958-40ff-92a7-860e329aab41}";
  Uuid u = *Uuid::Parse(top);
  EXPECT_EQ(u.ToBraced(), top);
  EXPECT_EQ(u.ToString(), "5fbaabe3-6958-40ff-92a7-860e329aab41");
  EXPECT_EQ(*Uuid::Parse("5FBAABE3-6958-40FF-92A7-860E329AAB41"), u);
  EXPECT_TRUE(Uuid::Parse("{00000000-0000-0000-0000-000000000000}")->is_nil());
}

TEST(UuidTest, BadInput) {
  for (const char* bad : {"", "{}", "5fbaabe3-6958-40ff-92a7-860e329aab4",
                          "5fbaabe3x6958-40ff-92a7-860e329aab41",
                          "5fbaabe3-6958-40ff-92a7-860e329aab4g",
                          "{5fbaabe3-6958-40ff-92a7-860e329aab41",
                          "5fbaabe3-6958-40ff-92a7-860e329aab41}"}) {
    auto r = Uuid::Parse(bad);
    EXPECT_FALSE(r.has_value()) << bad;
  }
}

}  // namespace
}  // namespace vz
