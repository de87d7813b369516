#include "libvz/idmap.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

constexpr uint64_t k64K = 65536;

TEST(IdRangeTest, MapLines) {
  IdRange r{.uid = 1000000, .gid = 2000000};
  EXPECT_EQ(r.UidMap(), "0 1000000 65536\n");
  EXPECT_EQ(r.GidMap(), "0 2000000 65536\n");
}

TEST(PickFreeRangeTest, LowestFreeSlot) {
  auto r = PickFreeRange(1000000, 4 * k64K, k64K, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->uid, 1000000u);
  r = PickFreeRange(1000000, 4 * k64K, k64K,
                    {{.uid = 1000000, .gid = 1000000},
                     {.uid = 1000000 + 2 * k64K, .gid = 1000000 + 2 * k64K}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->uid, 1000000 + k64K);
}

TEST(PickFreeRangeTest, UnalignedUsedRangeBlocksBothSlotsItTouches) {
  auto r = PickFreeRange(1000000, 3 * k64K, k64K,
                         {{.uid = 1000000 + 100, .gid = 1000000 + 100}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->uid, 1000000 + 2 * k64K);
}

TEST(PickFreeRangeTest, GidOverlapCountsToo) {
  auto r = PickFreeRange(1000000, 2 * k64K, k64K,
                         {{.uid = 5000000, .gid = 1000000}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->uid, 1000000 + k64K);
}

TEST(PickFreeRangeTest, ExhaustedIsResourceError) {
  auto r =
      PickFreeRange(1000000, k64K, k64K, {{.uid = 1000000, .gid = 1000000}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
  EXPECT_EQ(r.error().exit_code(), kVzResourceError);
}

class EnsureIdRangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeDirs(tmp_.Join("etc/vz/conf")).ok());
    ASSERT_TRUE(WriteFileAtomic(tmp_.Join("etc/vz/vz.conf"),
                                "USERNS_ID_BASE=\"1000000\"\n"
                                "USERNS_ID_COUNT=\"131072\"\n"
                                "LOCKDIR=\"/lock\"\n")
                    .ok());
    auto root = NodeRoot::Make(tmp_.path());
    ASSERT_TRUE(root.has_value());
    auto node = NodeConfig::Load(*root);
    ASSERT_TRUE(node.has_value()) << node.error().message();
    node_ = std::make_unique<NodeConfig>(*node);
  }
  VeConfig Make(const std::string& ctid, const std::string& text) {
    auto file = ConfigFile::Parse(text, node_->ConfigPathFor(ctid));
    EXPECT_TRUE(file.has_value());
    VeConfig c(ctid, *file);
    EXPECT_TRUE(c.Save(*node_).ok());
    return c;
  }
  testing::TempDir tmp_;
  std::unique_ptr<NodeConfig> node_;
};

TEST_F(EnsureIdRangeTest, AllocatesRecordsAndNeverOverlaps) {
  VeConfig a = Make("101", "");
  VeConfig b = Make("102", "");
  auto ra = EnsureIdRange(*node_, a);
  ASSERT_TRUE(ra.has_value() && *ra);
  EXPECT_EQ((*ra)->uid, 1000000u);
  EXPECT_EQ(a.Get("LOCAL_UID"), "1000000");
  auto rb = EnsureIdRange(*node_, b);
  ASSERT_TRUE(rb.has_value() && *rb);
  EXPECT_EQ((*rb)->uid, 1000000 + k64K);
  // Recorded on disk, and stable on the next start.
  auto again = VeConfig::Load(*node_, "101");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*EnsureIdRange(*node_, *again), *ra);
  VeConfig c = Make("103", "");
  auto rc = EnsureIdRange(*node_, c);
  ASSERT_FALSE(rc.has_value());
  EXPECT_EQ(rc.error().exit_code(), kVzResourceError);
  EXPECT_FALSE(c.Get("LOCAL_UID").has_value());
}

// A config with a typo on another line still holds its range: a new
// container never gets the same IDs. One whose LOCAL_UID cannot be read
// stops the allocation instead.
TEST_F(EnsureIdRangeTest, ABrokenConfigsRangeStaysTaken) {
  ASSERT_TRUE(WriteFileAtomic(node_->ConfigPathFor("101"),
                              "LOCAL_UID=\"1000000\"\nLOCAL_GID=\"1000000\"\n"
                              "a typo\n")
                  .ok());
  VeConfig b = Make("102", "");
  auto rb = EnsureIdRange(*node_, b);
  ASSERT_TRUE(rb.has_value() && *rb) << rb.error().message();
  EXPECT_EQ((*rb)->uid, 1000000 + k64K);
  ASSERT_TRUE(WriteFileAtomic(node_->ConfigPathFor("101"),
                              "LOCAL_UID=\"10000x0\"\na typo\n")
                  .ok());
  VeConfig c = Make("103", "");
  auto rc = EnsureIdRange(*node_, c);
  ASSERT_FALSE(rc.has_value());
  EXPECT_EQ(rc.error().exit_code(), kVzInvalidConfig);
  EXPECT_FALSE(c.Get("LOCAL_UID").has_value());
}

TEST_F(EnsureIdRangeTest, PrivilegedGetsNone) {
  VeConfig a = Make("101", "USERNS=\"no\"\n");
  auto r = EnsureIdRange(*node_, a);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(*r);
  VeConfig bad = Make("102", "USERNS=\"maybe\"\n");
  EXPECT_EQ(EnsureIdRange(*node_, bad).status().exit_code(),
            kVzInvalidParameterValue);
}

TEST_F(EnsureIdRangeTest, HalfRecordedRangeIsAnError) {
  VeConfig a = Make("101", "LOCAL_UID=\"2000000\"\n");
  EXPECT_EQ(ReadIdRange(a).status().exit_code(), kVzInvalidParameterValue);
}

}  // namespace
}  // namespace vz
