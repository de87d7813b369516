#include "ploop/lib/header.h"

#include <cstdio>

#include <gtest/gtest.h>

#include "base/testing/golden.h"

namespace ploop {
namespace {

std::string Hex(std::span<const uint8_t> b) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < b.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    out += buf;
    out += (i % 16 == 15) ? "\n" : " ";
  }
  return out;
}

TEST(HeaderTest, TenGiBv2MatchesTheDocument) {
  Header h = *MakeHeader(10ull << 30, 2048, Version::kV2);
  EXPECT_EQ(h.bat_entries, 10240u);
  EXPECT_EQ(h.size_sectors, 20971520u);
  EXPECT_EQ(h.first_block_sectors, 2048u);  // BAT fits in cluster 0
  EXPECT_EQ(h.first_data_cluster(), 1u);
  EXPECT_EQ(h.heads, 16u);
  EXPECT_EQ(h.cylinders, 40960u);
  EXPECT_EQ(h.flags, kFlagEmpty);
  EXPECT_EQ(h.in_use, 0u);
  auto bytes = EncodeHeader(h);
  vz::testing::ExpectGolden("ploop/header-v2-10g.hex", Hex(bytes));
  EXPECT_EQ(*DecodeHeader(bytes), h);
}

TEST(HeaderTest, V1StoresA32BitSize) {
  Header h = *MakeHeader(1ull << 30, 2048, Version::kV1);
  auto bytes = EncodeHeader(h);
  vz::testing::ExpectGolden("ploop/header-v1-1g.hex", Hex(bytes));
  Header d = *DecodeHeader(bytes);
  EXPECT_EQ(d.version, Version::kV1);
  EXPECT_EQ(d.size_sectors, 2097152u);
  EXPECT_FALSE(MakeHeader(3ull << 40, 2048, Version::kV1).has_value());
}

TEST(HeaderTest, SizeRoundsUpToACluster) {
  Header h = *MakeHeader(1, 2048, Version::kV2);
  EXPECT_EQ(h.bat_entries, 1u);
  EXPECT_EQ(h.virtual_bytes(), 1u << 20);
}

TEST(HeaderTest, BatClusters) {
  EXPECT_EQ(BatClusters(262128, 2048), 1u);
  EXPECT_EQ(BatClusters(262129, 2048), 2u);
  Header h = *MakeHeader(300ull << 30, 2048, Version::kV2);  // 307200 entries
  EXPECT_EQ(h.first_block_sectors, 2u * 2048);
}

TEST(HeaderTest, Chs) {
  Chs a = ComputeChs(20971520);  // 10 GiB
  EXPECT_EQ(a.sectors, 32u);
  EXPECT_EQ(a.heads, 16u);
  EXPECT_EQ(a.cylinders, 40960u);
  Chs b = ComputeChs(2097152);  // 1 GiB: the ATA "low" range
  EXPECT_EQ(b.sectors, 63u);
  EXPECT_EQ(b.heads, 16u);
  EXPECT_EQ(b.cylinders, 2097152u / (63 * 16));
  Chs c =
      ComputeChs(24);  // 8 divides 24, but no head count divides 3: pure LBA
  EXPECT_EQ(c.sectors, 1u);
  EXPECT_EQ(c.cylinders, 24u);
}

TEST(HeaderTest, BadParameters) {
  EXPECT_FALSE(MakeHeader(1 << 20, 3, Version::kV2).has_value());
  EXPECT_FALSE(MakeHeader(1 << 20, 4, Version::kV2).has_value());
  EXPECT_FALSE(MakeHeader(1 << 20, 131072, Version::kV2).has_value());
  EXPECT_FALSE(MakeHeader(0, 2048, Version::kV2).has_value());
  EXPECT_FALSE(MakeHeader(51ull << 40, 2048, Version::kV2).has_value());
}

struct Corruption {
  const char* name;
  size_t offset;
  uint32_t value;
};

class HeaderCorruptionTest : public ::testing::TestWithParam<Corruption> {};

TEST_P(HeaderCorruptionTest, IsDetected) {
  auto bytes = EncodeHeader(*MakeHeader(10ull << 30, 2048, Version::kV2));
  const Corruption& c = GetParam();
  for (int i = 0; i < 4; ++i)
    bytes[c.offset + i] = static_cast<uint8_t>(c.value >> (8 * i));
  auto r = DecodeHeader(bytes);
  ASSERT_FALSE(r.has_value()) << c.name;
  EXPECT_EQ(r.error().code(), vz::Code::kDataLoss);
  EXPECT_EQ(r.error().exit_code(), 11);
  EXPECT_NE(r.error().message().find("corrupt ploop header"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    All, HeaderCorruptionTest,
    ::testing::Values(Corruption{"signature", 0, 0x41414141},
                      Corruption{"type", 16, 1},
                      Corruption{"cluster size not power of two", 28, 3000},
                      Corruption{"cluster size too small", 28, 4},
                      Corruption{"zero entries", 32, 0},
                      Corruption{"size mismatch", 36, 12345},
                      Corruption{"in-use value", 44, 7},
                      Corruption{"first block inside BAT", 48, 0},
                      Corruption{"first block unaligned", 48, 2049},
                      Corruption{"flags", 52, 0x10},
                      Corruption{"invalid flag", 52, 0xFFFFFFFF},
                      Corruption{"extension unaligned", 56, 100}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& ch : n) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

TEST(HeaderTest, ShortInput) {
  std::vector<uint8_t> few(10);
  EXPECT_EQ(DecodeHeader(few).error().code(), vz::Code::kDataLoss);
}

TEST(HeaderTest, InUseAndV21AreAccepted) {
  Header h = *MakeHeader(1 << 30, 2048, Version::kV2);
  h.in_use = kInUseMagic;
  EXPECT_TRUE(DecodeHeader(EncodeHeader(h)).has_value());
  h.in_use = kClosedV21Magic;
  EXPECT_TRUE(DecodeHeader(EncodeHeader(h)).has_value());
}

}  // namespace
}  // namespace ploop
