// A fixture for ploop integration tests: a node root in a temp directory,
// the device server binary from this build, and a teardown that unmounts
// whatever a test mounted (even when it failed) and then asserts that no
// loop device, mount or server of ours is left.
#pragma once

#include <signal.h>

#include <string>

#include <gtest/gtest.h>

#include "base/node_root.h"
#include "base/testing/temp_dir.h"
#include "ploop/fs.h"
#include "ploop/image.h"
#include "ploop/mount.h"
#include "test/integration/root_test_util.h"

namespace vz::testing {

class PloopFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root (loop devices, FUSE, mounts)";
    ::setenv("VZ_PLOOP_SERVER", PloopServerBinary().c_str(), 1);
    node_ = *NodeRoot::Make(dir_.Join("node"));
  }

  void TearDown() override {
    if (::geteuid() != 0) return;
    auto mounts = ploop::ListMounts(node_);
    if (mounts.has_value()) {
      for (const auto& m : *mounts) {
        vz::Status s = ploop::Umount(node_, m.descriptor);
        if (!s.ok()) {
          ADD_FAILURE() << "teardown: " << s.message();
          if (m.alive) ::kill(m.pid, SIGKILL);  // ours, by pid
          (void)ploop::Umount(node_, m.descriptor);
        }
      }
    }
    auto left = KernelObjectsUnder(dir_.path());
    for (const auto& l : left) ADD_FAILURE() << "leaked " << l;
  }

  // A new image with an ext4 inside: <dir>/<name>/DiskDescriptor.xml.
  std::string MakeImage(const std::string& name,
                        uint64_t size = uint64_t{1} << 30,
                        bool with_fs = true) {
    std::string d = dir_.Join(name);
    ploop::CreateParams p;
    p.size_bytes = size;
    EXPECT_TRUE(ploop::CreateImage(d, p).ok());
    std::string dd = d + "/DiskDescriptor.xml";
    if (with_fs) {
      auto s = ploop::CreateFilesystem(node_, dd, {});
      EXPECT_TRUE(s.ok()) << s.message();
    }
    return dd;
  }

  std::string Path(const std::string& name) { return dir_.Join(name); }

  TempDir dir_;
  NodeRoot node_;
};

}  // namespace vz::testing
