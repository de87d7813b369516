#include "libvz/template/seal.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"

namespace vz::tmpl {
namespace {

Seal Sample() {
  return Seal{std::string(64, 'a'),
              {{"DiskDescriptor.xml", 1311, 774, 1795894454123456789,
                1795894454000000001},
               {"root.hds", 1312, 536870912, 5, 1795894455999999999}}};
}

TEST(SealTest, FormatAndParse) {
  std::string text = FormatSeal(Sample());
  EXPECT_EQ(text,
            "vz-template-seal 1\n"
            "manifest sha256:" +
                std::string(64, 'a') +
                "\n"
                "file DiskDescriptor.xml ino=1311 size=774 "
                "mtime=1795894454.123456789 ctime=1795894454.000000001\n"
                "file root.hds ino=1312 size=536870912 mtime=0.000000005 "
                "ctime=1795894455.999999999\n");
  EXPECT_EQ(*ParseSeal(text), Sample());
  EXPECT_FALSE(ParseSeal("").has_value());
  EXPECT_FALSE(
      ParseSeal("vz-template-seal 1\nmanifest sha256:x\n").has_value());
  EXPECT_FALSE(ParseSeal(text.substr(0, text.size() - 5)).has_value());
}

TEST(SealTest, OnlyAPrivateSealIsRead) {
  testing::TempDir dir;
  std::string path = dir.Join("seal");
  ASSERT_TRUE(WriteSeal(path, Sample()).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*ReadSeal(path), Sample());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(ReadSeal(path).error().code(), Code::kPermissionDenied);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  ASSERT_EQ(::symlink(path.c_str(), dir.Join("link").c_str()), 0);
  EXPECT_FALSE(ReadSeal(dir.Join("link")).has_value());
}

TEST(SealTest, StatFileWantsRegularFiles) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("f"), "abc").ok());
  auto st = StatFile(dir.path(), "f");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->size, 3u);
  EXPECT_NE(st->ino, 0u);
  EXPECT_EQ(StatFile(dir.path(), "absent").error().code(), Code::kNotFound);
  ASSERT_EQ(::symlink("f", dir.Join("l").c_str()), 0);
  EXPECT_EQ(StatFile(dir.path(), "l").error().message(),
            "file 'l': not a regular file");
  ASSERT_TRUE(MakeDirs(dir.Join("d")).ok());
  EXPECT_EQ(StatFile(dir.path(), "d").error().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace vz::tmpl
