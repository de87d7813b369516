#include "libvz/storage/boot_set.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"

namespace vz::storage {
namespace {

const BootSet kExample = {
    .files = {{"usr/lib/systemd/systemd", 94208},
              {"usr/lib/x86_64-linux-gnu/libc.so.6", 1929216},
              {"etc/a file with spaces", 4096}}};
const BootSet kPartial = {.files = {{"sbin/init", 8192}}, .partial = true};

TEST(BootSetTest, FormatIsPinned) {
  vz::testing::ExpectGolden("boot_set/example.golden", FormatBootSet(kExample));
  vz::testing::ExpectGolden("boot_set/partial.golden", FormatBootSet(kPartial));
}

TEST(BootSetTest, RoundTrip) {
  for (const BootSet& want : {kExample, kPartial, BootSet{}}) {
    auto set = ParseBootSet(FormatBootSet(want));
    ASSERT_TRUE(set.has_value()) << set.error().message();
    EXPECT_EQ(*set, want);
  }
}

TEST(BootSetTest, BrokenFilesNameTheLine) {
  struct Case {
    std::string text;
    std::string says;
  } cases[] = {
      {"", "line 1"},
      {"vz-boot-set 2\n", "line 1"},
      {"vz-boot-set 1 partly\n", "line 1"},
      {"vz-boot-set 1\n12 etc/passwd", "cut short"},
      {"vz-boot-set 1\n12etc\n", "line 2: no space"},
      {"vz-boot-set 1\n0 etc/passwd\n", "line 2: bytes"},
      {"vz-boot-set 1\n-1 etc/passwd\n", "line 2: bytes"},
      {"vz-boot-set 1\n67108865 etc/passwd\n", "line 2: bytes"},
      {"vz-boot-set 1\n1 a\n1 /etc/passwd\n", "line 3: bad path"},
      {"vz-boot-set 1\n1 etc/../../x\n", "line 2: bad path"},
      {"vz-boot-set 1\n1 etc//x\n", "line 2: bad path"},
      {"vz-boot-set 1\n1 etc/\x01x\n", "line 2: bad path"},
      {"vz-boot-set 1\n1 \n", "line 2: bad path"},
  };
  for (const Case& c : cases) {
    auto set = ParseBootSet(c.text);
    ASSERT_FALSE(set.has_value()) << c.text;
    EXPECT_EQ(set.error().code(), Code::kDataLoss);
    EXPECT_NE(set.error().message().find(c.says), std::string::npos)
        << set.error().message();
  }
}

TEST(BootSetTest, LimitsHold) {
  std::string many = "vz-boot-set 1\n";
  for (size_t i = 0; i <= kBootSetMaxFiles; ++i) many += "1 f\n";
  EXPECT_FALSE(ParseBootSet(many).has_value());
  std::string big = "vz-boot-set 1\n";
  for (int i = 0; i < 5; ++i) big += "67108864 f\n";  // 320 MiB in all
  auto set = ParseBootSet(big);
  ASSERT_FALSE(set.has_value());
  EXPECT_NE(set.error().message().find("line 6"), std::string::npos);
}

TEST(BootSetTest, LoadSaysMissingApartFromBroken) {
  vz::testing::TempDir dir;
  const std::string path = BootSetPath(dir.path());
  auto none = LoadBootSet(path);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(SaveBootSet(path, kExample).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = LoadBootSet(path);
  ASSERT_TRUE(back.has_value() && back->has_value());
  EXPECT_EQ(**back, kExample);
  ASSERT_TRUE(WriteFileAtomic(path, "garbage\n").ok());
  EXPECT_FALSE(LoadBootSet(path).has_value());
}

TEST(BootSetTest, OpensRegularFilesInsideTheRootOnly) {
  vz::testing::TempDir dir;
  const std::string root = dir.path() + "/root";
  ASSERT_TRUE(MakeDirs(root + "/etc").ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/outside", "host").ok());
  ASSERT_TRUE(WriteFileAtomic(root + "/etc/inside", "ct").ok());
  ASSERT_EQ(::symlink("/etc/inside", (root + "/abs").c_str()), 0);
  ASSERT_EQ(::symlink("../../outside", (root + "/etc/up").c_str()), 0);
  ASSERT_EQ(::mkfifo((root + "/fifo").c_str(), 0644), 0);
  UniqueFd r(::open(root.c_str(), O_PATH | O_DIRECTORY));
  EXPECT_TRUE(OpenRegularInRoot(r.get(), "etc/inside").valid());
  // An absolute link resolves in the container's root.
  EXPECT_TRUE(OpenRegularInRoot(r.get(), "abs").valid());
  // ".." stops at the root: "outside" is looked for inside, not found.
  EXPECT_FALSE(OpenRegularInRoot(r.get(), "etc/up").valid());
  EXPECT_FALSE(OpenRegularInRoot(r.get(), "fifo").valid());  // not opened
  EXPECT_FALSE(OpenRegularInRoot(r.get(), "etc").valid());
  EXPECT_FALSE(OpenRegularInRoot(r.get(), "nothing").valid());
}

TEST(BootSetTest, PrefetchCountsWhatIsGoneAndStaleIsOverAQuarter) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/a", std::string(8192, 'a')).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/b", "b").ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/c", "c").ok());
  std::vector<BootSetEntry> set = {
      {"a", 8192}, {"b", 1}, {"c", 1}, {"gone", 1}};
  PrefetchStats stats = PrefetchBootSet(dir.path(), set);
  EXPECT_EQ(stats.files, 4u);
  EXPECT_EQ(stats.missing, 1u);
  EXPECT_FALSE(BootSetStale(stats));  // one in four
  set.push_back({"gone too", 1});
  stats = PrefetchBootSet(dir.path(), set);
  EXPECT_EQ(stats.missing, 2u);
  EXPECT_TRUE(BootSetStale(stats));  // two in five
  EXPECT_EQ(PrefetchBootSet(dir.path() + "/none", set).missing, 5u);
}

TEST(BootSetTest, ReadAheadInTurnReadsWholeStepsAndSeesAShrunkFile) {
  vz::testing::TempDir dir;
  const std::string path = dir.path() + "/f";
  const uint64_t size = (3 << 20) + 5;  // three steps and a bit
  ASSERT_TRUE(WriteFileAtomic(path, std::string(size, 'x')).ok());
  UniqueFd fd(::open(path.c_str(), O_RDONLY));
  ::fsync(fd.get());  // clean pages can be dropped
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  EXPECT_TRUE(ReadAheadInTurn(fd.get(), size));
  auto cached = PageCacheOf(fd.get(), size);
  ASSERT_TRUE(cached.has_value()) << cached.error().message();
  EXPECT_GE(*cached, size);  // whole pages
  EXPECT_TRUE(ReadAheadInTurn(fd.get(), 0));
  EXPECT_FALSE(ReadAheadInTurn(fd.get(), size + 1));  // recorded longer
  EXPECT_FALSE(ReadAheadInTurn(-1, 1));
}

TEST(BootSetTest, PageCacheOfAFileJustWritten) {
  vz::testing::TempDir dir;
  const std::string path = dir.path() + "/f";
  ASSERT_TRUE(WriteFileAtomic(path, std::string(3 * 4096, 'x')).ok());
  UniqueFd fd(::open(path.c_str(), O_RDONLY));
  char c;
  ASSERT_EQ(::pread(fd.get(), &c, 1, 0), 1);
  auto cached = PageCacheOf(fd.get(), 3 * 4096);
  ASSERT_TRUE(cached.has_value()) << cached.error().message();
  EXPECT_GT(*cached, 0u);
  EXPECT_LE(*cached, 3u * 4096);
  EXPECT_EQ(*PageCacheOf(fd.get(), 0), 0u);
}

TEST(BootSetTest, PageCacheOfAHugeSparseFileLooksAtItsHeadOnly) {
  vz::testing::TempDir dir;
  const std::string path = dir.path() + "/sparse";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT, 0600));
  ASSERT_EQ(::ftruncate(fd.get(), off_t{1} << 40), 0);  // 1 TiB of holes
  auto cached = PageCacheOf(fd.get(), uint64_t{1} << 40);
  ASSERT_TRUE(cached.has_value()) << cached.error().message();
  EXPECT_LE(*cached, kBootSetMaxFileBytes);
}

TEST(BootSetTest, WithinBudgetSkipsWhatWouldGoOverAndKeepsWhatFitsAfter) {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  const std::vector<BootSetEntry> cached = {
      {"a", 64 * kMiB},  {"b", 64 * kMiB}, {"nothing-cached", 0},
      {"c", 300 * kMiB},  // cut to 64 MiB: 192 in all
      {"d", 60 * kMiB},   // 252
      {"e", 8 * kMiB},    // would be 260: left out
      {"f", 4 * kMiB},    // 256, exactly the budget
      {"g", 1}};          // over: left out
  const std::vector<BootSetEntry> want = {{"a", 64 * kMiB},
                                          {"b", 64 * kMiB},
                                          {"c", kBootSetMaxFileBytes},
                                          {"d", 60 * kMiB},
                                          {"f", 4 * kMiB}};
  EXPECT_EQ(WithinBudget(cached), want);
  EXPECT_TRUE(WithinBudget({}).empty());
}

TEST(BootSetTest, TheReadersReportEndsAtItsFirstBrokenLine) {
  const std::vector<BootSetEntry> set = {{"lib/a.so", 4096},
                                         {"var/log/j", 8 << 20}};
  const ReadAhead ahead = ParseReadAhead("12 0\n34 1\n56 7\n78 0\n", set);
  ASSERT_EQ(ahead.size(), 2u);  // index 7 names no entry: the end
  EXPECT_EQ(ahead.at(12).path, "lib/a.so");
  EXPECT_EQ(ahead.at(34).bytes, uint64_t{8} << 20);
  // A reader killed mid-line; empty; garbage.
  EXPECT_EQ(ParseReadAhead("12 0\n34", set).size(), 1u);
  EXPECT_TRUE(ParseReadAhead("", set).empty());
  EXPECT_TRUE(ParseReadAhead("x 0\n", set).empty());
  EXPECT_TRUE(ParseReadAhead("12 0 9\n", set).empty());
}

TEST(BootSetTest, WhatWasReadAheadCountsAtMostThatAndNotUnderANewName) {
  // Read ahead: a library's head, and the journal an unclean stop left.
  ReadAhead ahead;
  ahead[10] = {"lib/a.so", 4096};
  ahead[20] = {"var/log/system.journal", 8 << 20};
  const std::vector<OpenedFile> opened = {
      // The head plus pages the boot touched beyond it: the head only.
      {"lib/a.so", 10, 65536},
      // journald renamed the dirty journal and read its header: its
      // cached pages are the read-ahead's, so it is left out...
      {"var/log/system@1.journal~", 20, 8 << 20},
      // ...and the new journal under the old name is the boot's own.
      {"var/log/system.journal", 30, 16384},
      // Not read ahead at all.
      {"etc/hostname", 40, 4096}};
  const std::vector<BootSetEntry> want = {{"lib/a.so", 4096},
                                          {"var/log/system.journal", 16384},
                                          {"etc/hostname", 4096}};
  EXPECT_EQ(Attribute(opened, ahead), want);
  // Nothing read ahead: the cache is the boot's.
  EXPECT_EQ(Attribute(opened, {}).size(), 4u);
}

TEST(BootSetTest, PathRules) {
  EXPECT_TRUE(ValidBootSetPath("usr/lib/x"));
  EXPECT_TRUE(ValidBootSetPath("a b/..c"));
  for (const char* bad : {"", "/usr", "usr/", "a//b", "./a", "a/..", "a\nb"}) {
    EXPECT_FALSE(ValidBootSetPath(bad)) << bad;
  }
  EXPECT_FALSE(ValidBootSetPath(std::string(4096, 'a')));
}

}  // namespace
}  // namespace vz::storage
