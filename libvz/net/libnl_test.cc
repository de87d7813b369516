#include "libvz/net/libnl.h"

#include <gtest/gtest.h>

namespace vz::net {
namespace {

// Every call of the table resolves in the installed library, and the
// first load is the one every later call returns.
TEST(LibNlTest, LoadsOnceAndResolvesEveryCall) {
  auto api = LoadLibNl();
  ASSERT_TRUE(api.has_value()) << api.error().message();
#define VZ_LIBNL_EXPECT(f) EXPECT_NE((*api)->f, nullptr) << #f;
  VZ_LIBNL_CALLS(VZ_LIBNL_EXPECT)
#undef VZ_LIBNL_EXPECT
  auto again = LoadLibNl();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *api);
  EXPECT_EQ(&Nl(), *api);
}

// The tc modules register themselves when the library is loaded: a kind
// set through the table is known (the shaper's HTB qdisc needs it).
TEST(LibNlTest, TcModulesAreRegisteredAtLoad) {
  ASSERT_TRUE(LoadLibNl().has_value());
  rtnl_qdisc* q = Nl().rtnl_qdisc_alloc();
  ASSERT_NE(q, nullptr);
  EXPECT_GE(Nl().rtnl_tc_set_kind(TC_CAST(q), "htb"), 0);
  EXPECT_GE(Nl().rtnl_htb_set_defcls(q, 2), 0);
  Nl().rtnl_qdisc_put(q);
}

}  // namespace
}  // namespace vz::net
