// Crash tests: every offline operation is run in a child process that dies
// (as if killed) at the N-th call of a syscall that changes files (fsync,
// fdatasync, rename, unlink, ftruncate, fallocate, pwrite), for every N
// until the operation completes. After each death the image must be
// repairable by check -r and then open and read exactly as before or as
// after the operation.
//
// A killed process leaves what it wrote in the page cache, so this tests
// the order of the steps (new files, descriptor, removals), not what a
// power cut does to unsynced data; the data -> fdatasync -> BAT ordering
// is what covers that (doc/ploop-format.md §1.3).
//
// The syscalls are interposed by defining them here: this test binary's
// definitions win over libc's for the ploop library linked into it. This
// is a separate executable so that no other test runs with them.
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "ploop/check.h"
#include "ploop/convert.h"
#include "ploop/resize.h"
#include "ploop/snapshot.h"
#include "ploop/testing/test_image.h"

namespace {

int crash_at = 0;  // the call to die at; 0: never
int calls = 0;

void MaybeCrash() {
  if (crash_at && ++calls == crash_at) ::_exit(77);
}

}  // namespace

extern "C" {
int fsync(int fd) {
  MaybeCrash();
  return static_cast<int>(::syscall(SYS_fsync, fd));
}
int fdatasync(int fd) {
  MaybeCrash();
  return static_cast<int>(::syscall(SYS_fdatasync, fd));
}
int rename(const char* from, const char* to) {
  MaybeCrash();
  return static_cast<int>(::syscall(SYS_rename, from, to));
}
int unlink(const char* path) {
  MaybeCrash();
  return static_cast<int>(::syscall(SYS_unlink, path));
}
int ftruncate(int fd, off_t len) {
  MaybeCrash();
  return static_cast<int>(::syscall(SYS_ftruncate, fd, len));
}
int fallocate(int fd, int mode, off_t off, off_t len) {
  MaybeCrash();
  return static_cast<int>(::syscall(SYS_fallocate, fd, mode, off, len));
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  MaybeCrash();
  return ::syscall(SYS_pwrite64, fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off_t off) {
  return pwrite(fd, buf, n, off);
}
}

namespace ploop {
namespace {

using testing::Put;
using testing::ReadDisk;
constexpr uint64_t kCb = testing::kSmallClusterBytes;
constexpr uint64_t kSize = 64 * kCb;

void CopyDir(const std::string& from, const std::string& to) {
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

// An image whose snapshots hold overlapping data: base, s1, s2, top.
struct Prepared {
  vz::testing::TempDir dir;
  std::vector<vz::Uuid> snaps;
};

void Prepare(Prepared& p, ImageFormat format = ImageFormat::kExpanded,
             int snapshots = 2) {
  CreateParams cp = testing::SmallImage(kSize);
  cp.format = format;
  ASSERT_TRUE(CreateImage(p.dir.path(), cp).ok());
  auto img = *Image::Open(p.dir.path(), {});
  std::string model;
  for (int i = 0; i <= snapshots; ++i) {
    Put(*img, model, (i * 2) * kCb, 3 * kCb + 100, static_cast<uint8_t>(i + 1));
    if (i < snapshots) p.snaps.push_back(*CreateSnapshot(*img, {}));
  }
}

using Op = std::function<vz::Status(const std::string& dir)>;

// The disk after `op`, and its size.
std::string After(const Prepared& p, const Op& op) {
  vz::testing::TempDir copy;
  std::string d = copy.Join("img");
  CopyDir(p.dir.path(), d);
  vz::Status s = op(d);
  EXPECT_TRUE(s.ok()) << s.message();
  return ReadDisk(vz::JoinPath(d, kDescriptorName));
}

void CrashEverywhere(const Prepared& p, const Op& op) {
  const std::string before = ReadDisk(p.dir.Join(kDescriptorName));
  const std::string after = After(p, op);
  int crashes = 0;
  for (int n = 1;; ++n) {
    vz::testing::TempDir copy;
    std::string d = copy.Join("img");
    CopyDir(p.dir.path(), d);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      calls = 0;
      crash_at = n;
      vz::Status s = op(d);
      ::_exit(s.ok() ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    int code = WEXITSTATUS(status);
    ASSERT_NE(code, 1) << "the operation failed without a crash, call " << n;
    CheckOptions repair;
    repair.repair = true;
    auto r = CheckImage(d, repair);
    ASSERT_TRUE(r.has_value())
        << "crash at call " << n << ": " << r.error().message();
    for (const auto& f : r->findings)
      EXPECT_TRUE(f.fixed) << "crash at call " << n << ": " << f.message;
    std::string now = ReadDisk(vz::JoinPath(d, kDescriptorName));
    ASSERT_TRUE(now == before || now == after)
        << "crash at call " << n << " left a disk that is neither the old "
        << "nor the new one";
    if (code == 0) break;  // completed: every call has been a crash point
    ++crashes;
  }
  EXPECT_GT(crashes, 0);
  ::testing::Test::RecordProperty("crash_points", crashes);
}

TEST(CrashTest, Snapshot) {
  Prepared p;
  Prepare(p);
  CrashEverywhere(
      p, [](const std::string& d) { return CreateSnapshot(d, {}).status(); });
}

TEST(CrashTest, MergeTheTop) {
  Prepared p;
  Prepare(p);
  CrashEverywhere(
      p, [](const std::string& d) { return MergeSnapshot(d).status(); });
}

TEST(CrashTest, MergeAMiddleSnapshot) {
  Prepared p;
  Prepare(p);
  vz::Uuid s2 = p.snaps[1];
  CrashEverywhere(
      p, [s2](const std::string& d) { return MergeSnapshot(d, s2).status(); });
}

TEST(CrashTest, MergeAll) {
  Prepared p;
  Prepare(p);
  CrashEverywhere(
      p, [](const std::string& d) { return MergeAllSnapshots(d).status(); });
}

TEST(CrashTest, MergeIntoARawBase) {
  Prepared p;
  Prepare(p, ImageFormat::kRaw, 1);
  CrashEverywhere(
      p, [](const std::string& d) { return MergeAllSnapshots(d).status(); });
}

TEST(CrashTest, DeleteIntoTheChild) {
  Prepared p;
  Prepare(p);
  vz::Uuid s1 = p.snaps[0];
  CrashEverywhere(
      p, [s1](const std::string& d) { return DeleteSnapshot(d, s1).status(); });
}

TEST(CrashTest, Switch) {
  Prepared p;
  Prepare(p);
  vz::Uuid s1 = p.snaps[0];
  CrashEverywhere(p,
                  [s1](const std::string& d) { return SwitchSnapshot(d, s1); });
}

TEST(CrashTest, GrowMovingData) {
  Prepared p;
  Prepare(p, ImageFormat::kExpanded, 0);
  CrashEverywhere(
      p, [](const std::string& d) { return GrowImage(d, 16 << 20).status(); });
}

TEST(CrashTest, ConvertVersion) {
  Prepared p;
  Prepare(p);
  CrashEverywhere(
      p, [](const std::string& d) { return ConvertVersion(d, 1).status(); });
}

TEST(CrashTest, ConvertFormat) {
  Prepared p;
  Prepare(p, ImageFormat::kExpanded, 0);
  CrashEverywhere(p, [](const std::string& d) {
    return ConvertFormat(d, DeltaType::kPlain).status();
  });
}

}  // namespace
}  // namespace ploop
