#include "libvz/bindmount.h"

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(BindMountTest, ParsesEditsAndFormats) {
  auto m = ParseBindMounts("/srv/a:/mnt/a /srv/b:/data:ro");
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[1], (BindMount{"/srv/b", "/data", true}));
  ASSERT_TRUE(AddBindMount(*m, "/srv/c:/opt/c:ro").ok());
  EXPECT_EQ(AddBindMount(*m, "/x:/data").exit_code(), 21);  // bound already
  ASSERT_TRUE(DelBindMount(*m, "/mnt/a").ok());
  EXPECT_EQ(FormatBindMounts(*m), "/srv/b:/data:ro /srv/c:/opt/c:ro");
  EXPECT_EQ(DelBindMount(*m, "/nope").exit_code(), 21);
  ASSERT_TRUE(DelBindMount(*m, "all").ok());
  EXPECT_TRUE(m->empty());
}

TEST(BindMountTest, RefusesBadEntries) {
  for (const char* bad : {"relative:/x", "/a:relative", "/a", "/a:/b:rx",
                          "/a/../etc:/x", "/a:/", "/a:/b:ro:x"}) {
    auto r = ParseBindMounts(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().exit_code(), 21) << bad;
  }
}

}  // namespace
}  // namespace vz
