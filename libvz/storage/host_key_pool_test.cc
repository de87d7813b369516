#include "libvz/host_key_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/node_root.h"
#include "base/testing/temp_dir.h"
#include "base/unique_fd.h"
#include "libvz/storage/identity.h"

namespace vz::storage {
namespace {

class HostKeyPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeDirs(pool_dir_, 0700).ok());
    ASSERT_TRUE(MakeDirs(ssh_, 0755).ok());
  }
  void AddPair(const std::string& id, const std::string& type = "rsa") {
    const std::string key = pool_dir_ + "/" + type + "-" + id + ".key";
    ASSERT_TRUE(WriteFileAtomic(key + ".pub", "pub " + id, 0644).ok());
    ASSERT_TRUE(WriteFileAtomic(key, "private " + id, 0600).ok());
  }

  vz::testing::TempDir tmp_;
  std::string pool_dir_ = tmp_.Join("pool");
  std::string ssh_ = tmp_.Join("ct/etc/ssh");
  HostKeyPool pool_{pool_dir_};
};

TEST_F(HostKeyPoolTest, EmptyOrMissingPoolGivesNothing) {
  EXPECT_EQ(*pool_.Take("rsa", ssh_), false);
  EXPECT_EQ(*HostKeyPool(tmp_.Join("none")).Take("rsa", ssh_), false);
  EXPECT_FALSE(PathExists(ssh_ + "/ssh_host_rsa_key"));
}

TEST_F(HostKeyPoolTest, EachPairIsHandedOutOnce) {
  AddPair("a");
  AddPair("b");
  EXPECT_EQ(pool_.Count(), 2);
  ASSERT_EQ(*pool_.Take("rsa", ssh_), true);
  std::string first = *ReadFile(ssh_ + "/ssh_host_rsa_key");
  std::string pub = *ReadFile(ssh_ + "/ssh_host_rsa_key.pub");
  EXPECT_EQ(first.substr(8), pub.substr(4));  // the pair stays a pair
  struct stat st;
  ASSERT_EQ(::stat((ssh_ + "/ssh_host_rsa_key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(pool_.Count(), 1);

  const std::string other = tmp_.Join("ct2");
  ASSERT_TRUE(MakeDirs(other, 0755).ok());
  ASSERT_EQ(*pool_.Take("rsa", other), true);
  EXPECT_NE(*ReadFile(other + "/ssh_host_rsa_key"), first);
  EXPECT_EQ(pool_.Count(), 0);
  EXPECT_EQ(ListDir(pool_dir_)->size(), 0u);  // nothing left behind
}

TEST_F(HostKeyPoolTest, NeverWritesOverAnExistingKey) {
  AddPair("a");
  ASSERT_TRUE(WriteFileAtomic(ssh_ + "/ssh_host_rsa_key", "mine", 0600).ok());
  EXPECT_FALSE(pool_.Take("rsa", ssh_).has_value());
  EXPECT_EQ(*ReadFile(ssh_ + "/ssh_host_rsa_key"), "mine");
}

// The pool is private; the directories made above it are not (containers
// reach the node's lxcfs through <root>/var/lib/vz).
TEST_F(HostKeyPoolTest, RefillMakesOnlyThePoolPrivate) {
  const std::string dir = tmp_.Join("var/lib/vz/hostkeys");
  ASSERT_TRUE(HostKeyPool(dir).Refill(0).ok());
  struct stat st;
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const char* above : {"var/lib/vz", "var/lib", "var"}) {
    ASSERT_EQ(::stat(tmp_.Join(above).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u) << above;
  }
}

TEST_F(HostKeyPoolTest, RefillMakesRealKeysOfEachTypeAndClearsLeftovers) {
  ASSERT_TRUE(
      WriteFileAtomic(pool_dir_ + "/claimed-1-rsa-x.key", "", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(pool_dir_ + "/rsa-y.tmp", "", 0600).ok());
  ASSERT_TRUE(pool_.Refill(1).ok());
  EXPECT_FALSE(PathExists(pool_dir_ + "/claimed-1-rsa-x.key"));
  EXPECT_FALSE(PathExists(pool_dir_ + "/rsa-y.tmp"));
  const std::pair<const char*, const char*> kinds[] = {
      {"rsa", "ssh-rsa "},
      {"ecdsa", "ecdsa-sha2-nistp256 "},
      {"ed25519", "ssh-ed25519 "}};
  for (auto [type, pub] : kinds) {
    EXPECT_EQ(pool_.Count(type), 1) << type;
    ASSERT_EQ(*pool_.Take(type, ssh_), true) << type;
    const std::string key = ssh_ + "/ssh_host_" + type + "_key";
    EXPECT_NE(ReadFile(key)->find("PRIVATE KEY"), std::string::npos) << type;
    EXPECT_EQ(ReadFile(key + ".pub")->rfind(pub, 0), 0u) << type;
  }
  EXPECT_EQ(pool_.Count("rsa"), 0);
}

TEST_F(HostKeyPoolTest, ASecondRefillReturnsWhileOneRuns) {
  UniqueFd lock(::open((pool_dir_ + "/.refill.lock").c_str(),
                       O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_EQ(::flock(lock.get(), LOCK_EX), 0);
  ASSERT_TRUE(pool_.Refill(1).ok());
  EXPECT_EQ(pool_.Count(), 0);  // the running refill's job
}

TEST_F(HostKeyPoolTest, TypesDoNotMix) {
  AddPair("a", "ed25519");
  EXPECT_EQ(pool_.Count("rsa"), 0);
  EXPECT_EQ(*pool_.Take("rsa", ssh_), false);
  EXPECT_EQ(*pool_.Take("ecdsa", ssh_), false);
  ASSERT_EQ(*pool_.Take("ed25519", ssh_), true);
  EXPECT_EQ(*ReadFile(ssh_ + "/ssh_host_ed25519_key"), "private a");
}

TEST_F(HostKeyPoolTest, IdentityTakesEveryTypeFromAFullPoolWithoutKeygen) {
  for (auto type : HostKeyPool::kTypes) AddPair("a", std::string(type));
  const std::string root = tmp_.Join("ct");
  ASSERT_TRUE(WriteFileAtomic(ssh_ + "/sshd_config", "", 0644).ok());
  // No ssh-keygen to be found: the pool must do.
  const char* path = ::getenv("PATH");
  const std::string saved = path ? path : "";
  ::setenv("PATH", tmp_.Join("nothing-here").c_str(), 1);
  auto made = MakeIdentityIfNew(root, &pool_);
  ::setenv("PATH", saved.c_str(), 1);
  ASSERT_TRUE(made.has_value()) << made.error().message();
  EXPECT_TRUE(made->host_keys);
  for (auto type : HostKeyPool::kTypes) {
    EXPECT_EQ(*ReadFile(ssh_ + "/ssh_host_" + std::string(type) + "_key"),
              "private a");
    EXPECT_EQ(pool_.Count(type), 0);
  }
}

TEST_F(HostKeyPoolTest, IdentityTakesThePooledKeyAndMakesTheRest) {
  AddPair("a");
  const std::string root = tmp_.Join("ct");
  ASSERT_TRUE(WriteFileAtomic(ssh_ + "/sshd_config", "", 0644).ok());
  auto made = MakeIdentityIfNew(root, &pool_);
  ASSERT_TRUE(made.has_value()) << made.error().message();
  EXPECT_TRUE(made->host_keys);
  EXPECT_EQ(*ReadFile(ssh_ + "/ssh_host_rsa_key"), "private a");
  EXPECT_TRUE(PathExists(ssh_ + "/ssh_host_ed25519_key"));
  EXPECT_TRUE(PathExists(ssh_ + "/ssh_host_ecdsa_key"));
  EXPECT_EQ(pool_.Count("rsa"), 0);
}

}  // namespace
}  // namespace vz::storage

namespace vz::storage {
namespace {

// A stand-in refill: a process group of its own holding the lock, with
// "hostkeys" in its command line.
pid_t FakeRefill(const std::string& lock_path) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0600);
    ::flock(fd, LOCK_EX);
    std::string me = std::to_string(::getpid()) + "\n";
    (void)!::pwrite(fd, me.data(), me.size(), 0);
    ::execl("/bin/sleep", "hostkeys", "30", nullptr);
    ::_exit(127);
  }
  return pid;
}

TEST(StopHostKeyRefillTest, StopsTheRefillItsLockNames) {
  vz::testing::TempDir tmp;
  auto node = NodeConfig::Defaults(*NodeRoot::Make(tmp.path(), "t"));
  auto pool = HostKeyPool::ForNode(node);
  ASSERT_TRUE(MakeDirs(pool.dir(), 0700).ok());
  EXPECT_TRUE(StopHostKeyRefill(node).ok());  // none: nothing to do
  pid_t pid = FakeRefill(pool.dir() + "/.refill.lock");
  ASSERT_GT(pid, 0);
  // Until the stand-in holds the lock and has exec'd.
  for (int i = 0; i < 200; ++i) {
    auto cmd = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmd && cmd->rfind("hostkeys", 0) == 0) break;
    ::usleep(10000);
  }
  EXPECT_TRUE(StopHostKeyRefill(node).ok());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
}

TEST(StopHostKeyRefillTest, LeavesAProcessThatIsNoRefillAlone) {
  vz::testing::TempDir tmp;
  auto node = NodeConfig::Defaults(*NodeRoot::Make(tmp.path(), "t"));
  auto pool = HostKeyPool::ForNode(node);
  ASSERT_TRUE(MakeDirs(pool.dir(), 0700).ok());
  const std::string lock_path = pool.dir() + "/.refill.lock";
  // This test process holds the lock and names itself: no refill.
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_EQ(::flock(lock.get(), LOCK_EX), 0);
  std::string me = std::to_string(::getpid()) + "\n";
  ASSERT_GT(::pwrite(lock.get(), me.data(), me.size(), 0), 0);
  pid_t pid = ::fork();  // the check runs in a child: its own lock is new
  if (pid == 0) {
    ::_exit(StopHostKeyRefill(node).code() == Code::kFailedPrecondition ? 0
                                                                        : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace vz::storage
