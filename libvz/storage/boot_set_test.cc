#include "libvz/storage/boot_set.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

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

TEST(BootSetTest, TheSameSetAgainLeavesTheFileAlone) {
  vz::testing::TempDir dir;
  const std::string path = BootSetPath(dir.path());
  auto inode = [&] {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return st.st_ino;
  };
  ASSERT_TRUE(SaveBootSet(path, kExample).ok());
  const ino_t first = inode();
  ASSERT_TRUE(SaveBootSet(path, kExample).ok());
  EXPECT_EQ(inode(), first);  // not replaced
  BootSet partial = kExample;
  partial.partial = true;
  ASSERT_TRUE(SaveBootSet(path, partial).ok());
  EXPECT_NE(inode(), first);
  EXPECT_EQ(**LoadBootSet(path), partial);
  // A longer file that begins with the set is replaced too.
  const std::string text = *ReadFile(path);
  ASSERT_TRUE(WriteFileAtomic(path, text + "1 extra\n", 0600).ok());
  const ino_t longer = inode();
  ASSERT_TRUE(SaveBootSet(path, partial).ok());
  EXPECT_NE(inode(), longer);
  EXPECT_EQ(*ReadFile(path), text);
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

// Only a set of 4 MiB or more gets a reader: busybox's (its 2 MiB
// binary and a few small files) does not, a Debian boot's does.
TEST(BootSetTest, OnlyABigEnoughSetIsReadAhead) {
  BootSet busybox{.files = {{"bin/busybox", 1982256},
                            {"etc/inittab", 197},
                            {"etc/init.d/rcS", 251}}};
  EXPECT_FALSE(WorthReadingAhead(busybox));
  EXPECT_FALSE(WorthReadingAhead(BootSet{}));
  BootSet at_limit{.files = {{"a", kBootSetMinReadAheadBytes - 1}, {"b", 1}}};
  EXPECT_TRUE(WorthReadingAhead(at_limit));
  at_limit.files.pop_back();
  EXPECT_FALSE(WorthReadingAhead(at_limit));
  BootSet debian;
  for (int i = 0; i < 700; ++i) {
    debian.files.push_back({"usr/lib/f" + std::to_string(i), 45000});
  }
  EXPECT_TRUE(WorthReadingAhead(debian));
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
  auto cached = PageCacheEntered(fd.get(), size);
  ASSERT_TRUE(cached.has_value()) << cached.error().message();
  EXPECT_GE(*cached, size);  // whole pages
  EXPECT_TRUE(ReadAheadInTurn(fd.get(), 0));
  EXPECT_FALSE(ReadAheadInTurn(fd.get(), size + 1));  // recorded longer
  EXPECT_FALSE(ReadAheadInTurn(-1, 1));
}

TEST(BootSetTest, PageCacheEnteredAFileJustWritten) {
  vz::testing::TempDir dir;
  const std::string path = dir.path() + "/f";
  ASSERT_TRUE(WriteFileAtomic(path, std::string(3 * 4096, 'x')).ok());
  UniqueFd fd(::open(path.c_str(), O_RDONLY));
  char c;
  ASSERT_EQ(::pread(fd.get(), &c, 1, 0), 1);
  auto cached = PageCacheEntered(fd.get(), 3 * 4096);
  ASSERT_TRUE(cached.has_value()) << cached.error().message();
  EXPECT_GT(*cached, 0u);
  EXPECT_LE(*cached, 3u * 4096);
  EXPECT_EQ(*PageCacheEntered(fd.get(), 0), 0u);
}

TEST(BootSetTest, PageCacheEnteredCountsPagesEvictedSince) {
  vz::testing::TempDir dir;
  const std::string path = dir.path() + "/f";
  const size_t size = 64 * 4096;
  ASSERT_TRUE(WriteFileAtomic(path, std::string(size, 'x')).ok());
  UniqueFd fd(::open(path.c_str(), O_RDONLY));
  ::fsync(fd.get());  // clean pages can be reclaimed
  // Reclaimed as DAMON's pageout does it (reclaim_pages), which leaves a
  // shadow entry per page; MADV_PAGEOUT reaches only mapped pages.
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  ASSERT_NE(map, MAP_FAILED);
  volatile char sum = 0;
  for (size_t at = 0; at < size; at += 4096) {
    sum = sum + static_cast<const char*>(map)[at];
  }
  ASSERT_EQ(::madvise(map, size, MADV_PAGEOUT), 0) << std::strerror(errno);
  std::vector<unsigned char> in(size / 4096);
  ASSERT_EQ(::mincore(map, size, in.data()), 0);
  ::munmap(map, size);
  if (std::ranges::count_if(in, [](unsigned char c) { return c & 1; }) ==
      static_cast<long>(in.size())) {
    GTEST_SKIP() << "nothing evicted (a tmpfs without swap keeps its pages)";
  }
  if (::syscall(451, fd.get(), nullptr, nullptr, 0) != 0 && errno == ENOSYS) {
    GTEST_SKIP() << "no cachestat: the mincore fallback sees cached pages only";
  }
  auto entered = PageCacheEntered(fd.get(), size);
  ASSERT_TRUE(entered.has_value()) << entered.error().message();
  EXPECT_EQ(*entered, size);
}

TEST(BootSetTest, PageCacheEnteredAHugeSparseFileLooksAtItsHeadOnly) {
  vz::testing::TempDir dir;
  const std::string path = dir.path() + "/sparse";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT, 0600));
  ASSERT_EQ(::ftruncate(fd.get(), off_t{1} << 40), 0);  // 1 TiB of holes
  auto cached = PageCacheEntered(fd.get(), uint64_t{1} << 40);
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

TEST(BootSetTest, TheReadersReportCountsWholeLinesUpToTheFirstBrokenOne) {
  const std::vector<BootSetEntry> set = {
      {"lib/a.so", 4096}, {"var/log/j", 8 << 20}, {"lib/b.so", 4096}};
  const ReadAhead ahead =
      ParseReadAhead("12 7 0\n34 0 1\n12 7 2\n56 1 9\n78 0 0\n", set);
  ASSERT_EQ(ahead.size(), 2u);  // index 9 names no entry: the end
  // Two hard links of one file, both read ahead.
  EXPECT_EQ(ahead.at({12, 7}),
            (std::vector<std::string>{"lib/a.so", "lib/b.so"}));
  EXPECT_EQ(ahead.at({34, 0}), std::vector<std::string>{"var/log/j"});
  EXPECT_FALSE(ahead.contains({12, 8}));  // another generation
  // A reader killed mid-line: "34 0 1" may be the start of "34 0 12".
  EXPECT_EQ(ParseReadAhead("12 7 0\n34 0 1", set).size(), 1u);
  EXPECT_TRUE(ParseReadAhead("12 7 0", set).empty());
  EXPECT_TRUE(ParseReadAhead("", set).empty());
  for (const char* bad : {"x 0 0\n", "12 0\n", "12 0 0 9\n", "-1 0 0\n",
                          "12 -1 0\n", "12 99999999999 0\n"}) {
    EXPECT_TRUE(ParseReadAhead(bad, set).empty()) << bad;
  }
}

TEST(BootSetTest, AFileReadAheadUnderAnotherNameIsNotTheBoots) {
  ReadAhead ahead;
  ahead[{10, 1}] = {"lib/a.so"};
  ahead[{20, 1}] = {"var/log/system.journal"};
  ahead[{50, 1}] = {"lib/x.so", "lib/y.so"};  // hard links
  const std::vector<OpenedFile> opened = {
      // Read ahead under its own name: as cached (the read-ahead's head
      // and what the boot touched beyond it).
      {"lib/a.so", {10, 1}, 65536},
      // journald renamed the dirty journal and read its header: its
      // cached pages are the read-ahead's, so it is left out...
      {"var/log/system@1.journal~", {20, 1}, 8 << 20},
      // ...and the new journal under the old name is the boot's own.
      {"var/log/system.journal", {30, 1}, 16384},
      // The renamed file's inode number, handed out again to a new file.
      {"etc/new", {20, 2}, 4096},
      {"lib/y.so", {50, 1}, 8192}};
  const std::vector<BootSetEntry> want = {{"lib/a.so", 65536},
                                          {"var/log/system.journal", 16384},
                                          {"etc/new", 4096},
                                          {"lib/y.so", 8192}};
  EXPECT_EQ(Attribute(opened, ahead), want);
  EXPECT_EQ(Attribute(opened, {}).size(), 5u);  // nothing read ahead
}

TEST(BootSetTest, IdOfGivesTheInode) {
  vz::testing::TempDir dir;
  const std::string path = dir.path() + "/f";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(fd);
  struct stat st;
  ASSERT_EQ(::fstat(fd.get(), &st), 0);
  auto id = IdOf(fd.get());
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->ino, static_cast<uint64_t>(st.st_ino));
  EXPECT_FALSE(IdOf(-1).has_value());
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
