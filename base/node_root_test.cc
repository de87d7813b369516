#include "base/node_root.h"

#include <stdlib.h>

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(NodeRootTest, DefaultIsHostRoot) {
  NodeRoot n;
  EXPECT_TRUE(n.is_host_root());
  EXPECT_EQ(n.Path("/vz/private/101"), "/vz/private/101");
  EXPECT_EQ(n.prefix(), "vz");
}

TEST(NodeRootTest, PathsDeriveFromTheRoot) {
  NodeRoot n = *NodeRoot::Make("/tmp/node1/", "t1");
  EXPECT_EQ(n.root(), "/tmp/node1");
  EXPECT_EQ(n.Path("/etc/vz/vz.conf"), "/tmp/node1/etc/vz/vz.conf");
  EXPECT_EQ(n.prefix(), "t1");
}

TEST(NodeRootTest, FlagBeatsEnvBeatsDefault) {
  ::setenv("VZ_ROOT", "/tmp/env-root", 1);
  EXPECT_EQ(NodeRoot::FromFlagOrEnv("/tmp/flag-root")->root(),
            "/tmp/flag-root");
  EXPECT_EQ(NodeRoot::FromFlagOrEnv("")->root(), "/tmp/env-root");
  ::unsetenv("VZ_ROOT");
  EXPECT_EQ(NodeRoot::FromFlagOrEnv("")->root(), "/");
}

TEST(NodeRootTest, BadInput) {
  EXPECT_FALSE(NodeRoot::Make("relative").has_value());
  EXPECT_FALSE(NodeRoot::Make("/x", "").has_value());
  EXPECT_FALSE(NodeRoot::Make("/x", "toolong7").has_value());
  EXPECT_FALSE(NodeRoot::Make("/x", "Up").has_value());
  EXPECT_FALSE(NodeRoot::Make("/x", "a-b").has_value());
  NodeRoot n;
  EXPECT_FALSE(n.set_prefix("bad prefix").ok());
  EXPECT_EQ(n.prefix(), "vz");
}

}  // namespace
}  // namespace vz
