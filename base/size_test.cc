#include "base/size.h"

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(SizeTest, Suffixes) {
  EXPECT_EQ(*ParseSize("10G"), 10 * kGiB);
  EXPECT_EQ(*ParseSize("512M"), 512 * kMiB);
  EXPECT_EQ(*ParseSize("100K"), 100 * kKiB);
  EXPECT_EQ(*ParseSize("100k"), 100 * kKiB);
  EXPECT_EQ(*ParseSize("2T"), 2 * kTiB);
  EXPECT_EQ(*ParseSize("17B"), 17u);
  EXPECT_EQ(*ParseSize("1.5G"), kGiB + kGiB / 2);
}

TEST(SizeTest, PlainNumbersUseTheOptionsUnit) {
  EXPECT_EQ(*ParseSize("1048576", {.default_unit = kKiB}),
            kGiB);  // --diskspace
  EXPECT_EQ(*ParseSize("100", {.default_unit = kMiB}),
            100 * kMiB);  // --iolimit
  EXPECT_EQ(*ParseSize("4096"), 4096u);
}

TEST(SizeTest, PagesOnlyWhereAllowed) {
  EXPECT_EQ(*ParseSize("256P", {.allow_pages = true}), 256 * kPageSize);
  EXPECT_FALSE(ParseSize("256P").has_value());
}

TEST(SizeTest, BadInput) {
  for (const char* bad :
       {"", "G", "-1G", "10X", "abc", "1.G", ".5G", "1..5G", "0.0000000001G",
        "99999999999999999999", "20000000T", "1 G", "0.3B"}) {
    auto r = ParseSize(bad);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
      EXPECT_NE(r.error().message().find("invalid size"), std::string::npos);
    }
  }
}

TEST(SizeTest, FormatIsExactAndRoundTrips) {
  EXPECT_EQ(FormatSize(10 * kGiB), "10G");
  EXPECT_EQ(FormatSize(1536 * kMiB), "1536M");
  EXPECT_EQ(FormatSize(4097), "4097B");
  EXPECT_EQ(FormatSize(4097, false), "4097");
  EXPECT_EQ(FormatSize(0), "0B");
  for (uint64_t v :
       {uint64_t{1}, kKiB, 3 * kMiB + kKiB, 7 * kTiB, uint64_t{123456789}}) {
    EXPECT_EQ(*ParseSize(FormatSize(v)), v);
  }
}

TEST(SizeTest, HumanFormat) {
  EXPECT_EQ(FormatHumanSize(kGiB + kGiB / 2), "1.5G");
  EXPECT_EQ(FormatHumanSize(512 * kMiB), "512M");
  EXPECT_EQ(FormatHumanSize(17), "17B");
}

TEST(SizeTest, ParseUint) {
  EXPECT_EQ(*ParseUint("42"), 42u);
  EXPECT_FALSE(ParseUint("").has_value());
  EXPECT_FALSE(ParseUint("4x").has_value());
  EXPECT_FALSE(ParseUint("-4").has_value());
  EXPECT_FALSE(ParseUint("184467440737095516160").has_value());
}

}  // namespace
}  // namespace vz
