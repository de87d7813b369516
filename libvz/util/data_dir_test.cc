#include "libvz/util/data_dir.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"

namespace vz {
namespace {

TEST(InstalledDataDirTest, ShareVzBesideTheProgramsSbin) {
  testing::TempDir t;
  ASSERT_TRUE(MakeDirs(t.Join("usr/sbin")).ok());
  const std::string exe = t.Join("usr/sbin/vzctl");
  // No data installed: a build tree's program falls back to the default.
  EXPECT_EQ(InstalledDataDir(exe), "");
  ASSERT_TRUE(MakeDirs(t.Join("usr/share/vz")).ok());
  EXPECT_EQ(InstalledDataDir(exe), "") << "share/vz without recipes/";
  ASSERT_TRUE(MakeDirs(t.Join("usr/share/vz/recipes")).ok());
  EXPECT_EQ(InstalledDataDir(exe), t.Join("usr/share/vz"));
  EXPECT_EQ(InstalledDataDir(""), "");
}

TEST(DataDirTest, EnvironmentWinsElseTheSourceTreesTemplates) {
  const char* was = std::getenv("VZ_DATA_DIR");
  const std::string saved = was ? was : "";
  ::setenv("VZ_DATA_DIR", "/somewhere/else", 1);
  EXPECT_EQ(DataDir(), "/somewhere/else");
  ::unsetenv("VZ_DATA_DIR");
  // The test program runs from the build tree: the compiled-in default.
  EXPECT_TRUE(PathExists(JoinPath(DataDir(), "recipes/busybox"))) << DataDir();
  if (was) ::setenv("VZ_DATA_DIR", saved.c_str(), 1);
}

}  // namespace
}  // namespace vz
