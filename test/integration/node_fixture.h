// A fixture for container tests: a node root in a temp directory set up as
// scripts/node-setup.sh does (vz.conf, config samples), vzctl and vztmpl
// from this build, the busybox template built into the root, and a
// teardown that unmounts whatever a test left mounted (even when it failed)
// and then fails the test for any loop device or mount left under the root.
#pragma once

#include <signal.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/node_root.h"
#include "base/subprocess.h"
#include "base/testing/temp_dir.h"
#include "libvz/cgroup.h"
#include "libvz/host_key_pool.h"
#include "libvz/lxcfs.h"
#include "libvz/node_config.h"
#include "ploop/mount.h"
#include "test/integration/root_test_util.h"

namespace vz::testing {

inline std::string SourceDir() {
  const char* env = std::getenv("VZ_SOURCE_DIR");
  if (env && *env) return env;
#ifdef VZ_SOURCE_DIR_DEFAULT
  return VZ_SOURCE_DIR_DEFAULT;
#else
  return ".";
#endif
}

inline constexpr char kBusybox[] = "busybox-1.35-x86_64";

class NodeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (loop devices, mounts)";
    ::setenv("VZ_PLOOP_SERVER", PloopServerBinary().c_str(), 1);
    root_ = dir_.Join("node");
    auto setup = RunSubprocess(
        {"bash", SourceDir() + "/scripts/node-setup.sh", "--root", root_});
    ASSERT_TRUE(setup.has_value() && setup->success())
        << (setup.has_value() ? setup->err : setup.error().message());
    // Kernel objects (cgroups, links, nft tables) carry the node prefix:
    // one of its own per test process keeps parallel runs and a real node
    // on this machine apart.
    prefix_ = "t" + std::to_string(::getpid() % 100000);
    auto conf = ReadFile(root_ + "/etc/vz/vz.conf");
    ASSERT_TRUE(conf.has_value());
    ASSERT_TRUE(WriteFileAtomic(root_ + "/etc/vz/vz.conf",
                                *conf + "NODE_PREFIX=" + prefix_ + "\n")
                    .ok());
    node_ = *NodeRoot::Make(root_, prefix_);
  }

  void TearDown() override {
    if (::geteuid() != 0) return;
    // A host key refill a first mount started, and the node's idle cgroup
    // it runs in, before the node's cgroups are checked for leaks.
    (void)storage::StopHostKeyRefill(NodeConfig::Defaults(node_));
    // Processes a failed test left in containers go first: they would keep
    // the disks busy.
    RemoveNodeCgroups();
    // The node's lxcfs, which the first container start brought up.
    (void)StopLxcfs(NodeConfig::Defaults(node_));
    auto mounts = ploop::ListMounts(node_);
    if (mounts.has_value()) {
      for (const auto& m : *mounts) {
        Status s = ploop::Umount(node_, m.descriptor);
        if (!s.ok()) {
          ADD_FAILURE() << "teardown: " << s.message();
          if (m.alive) ::kill(m.pid, SIGKILL);  // ours, by pid
          (void)ploop::Umount(node_, m.descriptor);
        }
      }
    }
    for (const auto& l : KernelObjectsUnder(dir_.path())) {
      ADD_FAILURE() << "leaked " << l;
    }
  }

  static std::vector<std::string> Subdirs(const std::string& dir) {
    std::vector<std::string> out;
    auto names = ListDir(dir);
    if (!names.has_value()) return out;
    for (const auto& n : *names) {
      struct stat st;
      if (::stat((dir + "/" + n).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        out.push_back(n);
      }
    }
    return out;
  }

  // Every cgroup of this node's prefix, <prefix>/<tenant>/<ctid>, emptied
  // and removed, then the tenant and prefix directories: a leaked one fails
  // the test.
  void RemoveNodeCgroups() {
    if (prefix_.empty()) return;
    auto fs = cgroup::Detect();
    if (!fs.has_value()) return;
    for (auto h : cgroup::kV1Hierarchies) {
      const std::string base = fs->root + "/" + std::string(h) + "/" + prefix_;
      for (const auto& t : Subdirs(base)) {
        for (const auto& ct : Subdirs(base + "/" + t)) {
          auto cg = cgroup::Open(*fs, prefix_ + "/" + t + "/" + ct);
          if (!cg->Exists()) continue;
          (void)cg->KillAll(SIGKILL);
          Status s = cg->Remove(std::chrono::seconds(5));
          if (!s.ok()) ADD_FAILURE() << "cgroup " << ct << ": " << s.message();
        }
        ::rmdir((base + "/" + t).c_str());
      }
      if (::rmdir(base.c_str()) != 0 && errno != ENOENT) {
        ADD_FAILURE() << "leaked cgroup " << base;
      }
    }
  }

  // Runs `tool` (vzctl, vztmpl) of this build with --root.
  SubprocessResult Tool(const std::string& tool,
                        std::vector<std::string> args) {
    std::vector<std::string> argv = {BuildDir() + "/vzctl/" + tool, "--root",
                                     root_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunSubprocess(argv);
    EXPECT_TRUE(r.has_value()) << r.error().message();
    return r.has_value() ? *r : SubprocessResult{};
  }
  SubprocessResult Vzctl(std::vector<std::string> args) {
    return Tool("vzctl", std::move(args));
  }
  SubprocessResult Vztmpl(std::vector<std::string> args) {
    return Tool("vztmpl", std::move(args));
  }

  // Builds the busybox template into this node (under a second).
  void BuildBusybox() {
    auto r = Vztmpl({"-q", "build", "busybox"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  // Makes a key pair, signs `name` and trusts the key for `prefix`.
  void SignAndTrust(const std::string& name, const std::string& prefix) {
    const std::string key = dir_.Join("key-" + prefix);
    if (!PathExists(key + ".key")) {
      ASSERT_EQ(Vztmpl({"-q", "key", "generate", "--out", key}).exit_code, 0);
    }
    ASSERT_EQ(Vztmpl({"-q", "sign", name, "--key", key + ".key"}).exit_code, 0);
    auto t = Vztmpl({"-q", "trust", "add", "--prefix", prefix, key + ".pub"});
    ASSERT_EQ(t.exit_code, 0) << t.err;
  }

  std::string Path(const std::string& abs) const { return node_.Path(abs); }
  std::string TemplateImage(const std::string& name = kBusybox) const {
    return Path("/vz/template/" + name + "/root.hds");
  }

  TempDir dir_;
  std::string root_;
  std::string prefix_;
  NodeRoot node_;
};

inline uint64_t Nlink(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_nlink : 0;
}

inline uint64_t Inode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace vz::testing
