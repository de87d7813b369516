#include "libvz/snapshot/snapshots_xml.h"

#include <gtest/gtest.h>

namespace vz::snapshot {
namespace {

Record Make(const char* guid, const char* parent, bool current,
            const char* name) {
  Record r;
  r.guid = *Uuid::Parse(guid);
  if (*parent) r.parent = *Uuid::Parse(parent);
  r.current = current;
  r.name = name;
  r.description = "about <" + std::string(name) + "> & \"more\"";
  r.created = std::chrono::system_clock::from_time_t(1795894454);
  return r;
}

TEST(SnapshotsXmlTest, RoundTripsATreeParentsFirst) {
  std::vector<Record> rs = {
      Make("11111111-1111-4111-8111-111111111111", "", false, "base"),
      Make("22222222-2222-4222-8222-222222222222",
           "11111111-1111-4111-8111-111111111111", false, "left"),
      Make("33333333-3333-4333-8333-333333333333",
           "11111111-1111-4111-8111-111111111111", true, "right"),
  };
  std::string text = FormatSnapshotsXml(rs);
  EXPECT_NE(text.find("<CreateTime>2026-11-28 19:34:14</CreateTime>"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("&lt;left&gt; &amp; &quot;more&quot;"),
            std::string::npos);
  auto back = ParseSnapshotsXml(text);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, rs);
  EXPECT_EQ(FormatSnapshotsXml(*back), text);
}

TEST(SnapshotsXmlTest, EmptyHasNoItems) {
  auto r = ParseSnapshotsXml(FormatSnapshotsXml({}));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST(SnapshotsXmlTest, RefusesHostileAndBrokenInput) {
  for (const char* bad : {
           "<ParallelsSavedStates><SavedStateItem guid=\"x\"/>"
           "</ParallelsSavedStates>",
           "<Other/>",
           "not xml",
           "<!DOCTYPE a [<!ENTITY e \"boom\">]><ParallelsSavedStates>"
           "</ParallelsSavedStates>",
           "<ParallelsSavedStates><SavedStateItem "
           "guid=\"{11111111-1111-4111-8111-111111111111}\"><CreateTime>"
           "yesterday</CreateTime></SavedStateItem></ParallelsSavedStates>",
       }) {
    auto r = ParseSnapshotsXml(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().exit_code(), 85) << bad;
    EXPECT_NE(r.error().message().find("Snapshots.xml: "), std::string::npos);
  }
}

}  // namespace
}  // namespace vz::snapshot
