#include "libvz/lock.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

using std::chrono::milliseconds;

// Runs `body` in a child process and returns its exit status.
template <typename F>
int InChild(F body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A pipe the child reports a message through.
struct Pipe {
  Pipe() { EXPECT_EQ(::pipe(fds), 0); }
  ~Pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  void Write(const std::string& s) {
    EXPECT_EQ(::write(fds[1], s.data(), s.size()),
              static_cast<ssize_t>(s.size()));
  }
  std::string Read() {
    ::close(fds[1]);
    fds[1] = -1;
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, n);
    return out;
  }
  int fds[2] = {-1, -1};
};

TEST(ContainerLockTest, SecondProcessIsRefusedWithTheHolder) {
  testing::TempDir dir;
  std::string locks = dir.Join("vz/lock");
  auto held =
      ContainerLock::Acquire(locks, "101", {.command = "vzctl start 101"});
  ASSERT_TRUE(held.has_value()) << held.error().message();
  EXPECT_EQ(held->path(), locks + "/101.lck");

  Pipe pipe;
  int code = InChild([&] {
    auto second = ContainerLock::Acquire(locks, "101");
    if (second) return 0;
    pipe.Write(second.error().message());
    return ExitCodeFor(second.error());
  });
  EXPECT_EQ(code, kVzLocked);
  EXPECT_EQ(pipe.Read(),
            "container '101' is locked by another operation (pid " +
                std::to_string(::getpid()) + ": vzctl start 101)");
}

TEST(ContainerLockTest, ReleaseLetsTheNextOneIn) {
  testing::TempDir dir;
  auto held = ContainerLock::Acquire(dir.path(), "101");
  ASSERT_TRUE(held.has_value());
  held->Release();
  EXPECT_FALSE(held->held());
  EXPECT_EQ(*ReadFile(dir.Join("101.lck")), "");
  EXPECT_EQ(InChild([&] {
              return ContainerLock::Acquire(dir.path(), "101").has_value() ? 0
                                                                           : 1;
            }),
            0);
}

TEST(ContainerLockTest, LocksAreIndependentPerContainer) {
  testing::TempDir dir;
  auto a = ContainerLock::Acquire(dir.path(), "101");
  auto b = ContainerLock::Acquire(dir.path(), "102");
  auto names = ContainerLock::AcquireNames(dir.path());
  EXPECT_TRUE(a.has_value() && b.has_value() && names.has_value());
  // Within one process too: flock belongs to the open file.
  auto again = ContainerLock::Acquire(dir.path(), "101");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().exit_code(), kVzLocked);
  auto names_again = ContainerLock::AcquireNames(dir.path());
  ASSERT_FALSE(names_again.has_value());
  EXPECT_EQ(names_again.error().message().rfind(
                "container names are locked by another operation", 0),
            0u);
}

TEST(ContainerLockTest, TemplateLocks) {
  testing::TempDir dir;
  auto a = ContainerLock::AcquireTemplate(dir.path(), "debian-12-x86_64");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->path(), dir.Join(".tmpl.debian-12-x86_64.lck"));
  // Never the same file as a container's, whatever its CTID.
  EXPECT_TRUE(
      ContainerLock::Acquire(dir.path(), "debian-12-x86_64").has_value());
  auto b = ContainerLock::AcquireTemplate(dir.path(), "debian-12-x86_64");
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(
      b.error().message().rfind(
          "template 'debian-12-x86_64' is locked by another operation", 0),
      0u);
  EXPECT_EQ(
      ContainerLock::AcquireTemplate(dir.path(), "../x").error().exit_code(),
      kVzInvalidParameterValue);
}

TEST(ContainerLockTest, WaitsForTheHolderUpToTheTimeout) {
  testing::TempDir dir;
  Pipe ready;
  pid_t child = ::fork();
  if (child == 0) {
    auto held = ContainerLock::Acquire(dir.path(), "101", {.command = "hold"});
    ready.Write(held.has_value() ? "y" : "n");
    ::usleep(300 * 1000);
    ::_exit(0);  // dying drops the lock
  }
  char c = 0;
  ASSERT_EQ(::read(ready.fds[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto quick =
      ContainerLock::Acquire(dir.path(), "101", {.wait = milliseconds(20)});
  EXPECT_FALSE(quick.has_value());
  auto start = std::chrono::steady_clock::now();
  auto patient =
      ContainerLock::Acquire(dir.path(), "101", {.wait = milliseconds(5000)});
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(patient.has_value());
  EXPECT_LT(waited, milliseconds(3000));
  int status = 0;
  ::waitpid(child, &status, 0);
}

TEST(ContainerLockTest, DeadHoldersRecordIsIgnored) {
  testing::TempDir dir;
  // A child locks and dies without releasing: the kernel drops the lock,
  // the record of its pid stays behind.
  EXPECT_EQ(InChild([&] {
              auto held = ContainerLock::Acquire(dir.path(), "101",
                                                 {.command = "crashed"});
              ::_exit(held.has_value() ? 0 : 1);  // no destructor runs
              return 2;
            }),
            0);
  std::string path = dir.Join("101.lck");
  EXPECT_NE(ReadFile(path)->find("crashed"), std::string::npos);
  EXPECT_FALSE(ReadLockHolder(path).has_value());
  EXPECT_TRUE(ContainerLock::Acquire(dir.path(), "101").has_value());
}

TEST(ContainerLockTest, HolderRecordDefaultsToOurCommandLine) {
  testing::TempDir dir;
  auto held = ContainerLock::Acquire(dir.path(), "web");
  ASSERT_TRUE(held.has_value());
  auto holder = ReadLockHolder(held->path());
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->pid, ::getpid());
  EXPECT_NE(holder->command.find("libvz_tests"), std::string::npos);
}

TEST(ContainerLockTest, CommandIsOneLine) {
  testing::TempDir dir;
  auto held = ContainerLock::Acquire(dir.path(), "101",
                                     {.command = "evil\nsecond line\r"});
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(ReadLockHolder(held->path())->command, "evil second line ");
}

TEST(ContainerLockTest, RefusesBadCtidsAndSymlinks) {
  testing::TempDir dir;
  EXPECT_EQ(ContainerLock::Acquire(dir.path(), "../x").error().exit_code(),
            kVzInvalidParameterValue);
  ASSERT_TRUE(WriteFileAtomic(dir.Join("victim"), "keep").ok());
  ASSERT_EQ(::symlink(dir.Join("victim").c_str(), dir.Join("101.lck").c_str()),
            0);
  EXPECT_FALSE(ContainerLock::Acquire(dir.path(), "101").has_value());
  EXPECT_EQ(*ReadFile(dir.Join("victim")), "keep");
}

}  // namespace
}  // namespace vz
