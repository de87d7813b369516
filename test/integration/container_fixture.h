// A node for container lifecycle tests (NodeFixture) with a node prefix of
// its own, so its cgroups never meet another node's, and a teardown that
// stops whatever a failed test left running: monitors by the pid in their
// pid files, then the processes in the node's cgroups, then the cgroups.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/cgroup.h"
#include "libvz/journal.h"
#include "test/integration/busybox_rootfs.h"
#include "test/integration/node_fixture.h"

namespace vz::testing {

class ContainerFixture : public NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    prefix_ = "t" + std::to_string(::getpid() % 100000);
    auto conf = ReadFile(Path("/etc/vz/vz.conf"));
    ASSERT_TRUE(conf.has_value());
    ASSERT_TRUE(WriteFileAtomic(Path("/etc/vz/vz.conf"),
                                *conf + "\nNODE_PREFIX=\"" + prefix_ + "\"\n")
                    .ok());
    // The container's root (an unmapped ID) must reach VE_ROOT.
    for (std::string d = root_; d.size() >= dir_.path().size();
         d = DirName(d)) {
      ::chmod(d.c_str(), 0755);
    }
  }

  void TearDown() override {
    if (::geteuid() == 0 && !prefix_.empty()) KillLeftovers();
    NodeFixture::TearDown();
  }

  void KillLeftovers() {
    auto pids = ListDir(Path("/run/vz"));
    if (pids.has_value()) {
      for (const auto& f : *pids) {
        if (!f.ends_with(".pid")) continue;
        auto text = ReadFile(Path("/run/vz/" + f));
        auto words = SplitNonEmpty(text.value_or(""), ' ');
        pid_t pid = words.empty() ? 0 : std::atoi(words[0].c_str());
        if (pid > 0) {
          ADD_FAILURE() << "monitor " << pid << " still running";
          ::kill(pid, SIGKILL);
        }
      }
    }
    auto fs = cgroup::Detect();
    if (!fs.has_value()) return;
    for (auto ctid : {"101", "102", "103"}) {
      auto cg =
          cgroup::Open(*fs, cgroup::ContainerPath(prefix_, "default", ctid));
      if (!cg->Exists()) continue;
      (void)cg->KillAll(SIGKILL);
      Status s = cg->Remove(std::chrono::seconds(5));
      if (!s.ok()) ADD_FAILURE() << s.message();
    }
    for (auto h : cgroup::kV1Hierarchies) {
      const std::string base = fs->root + "/" + std::string(h) + "/" + prefix_;
      ::rmdir((base + "/default").c_str());
      if (::rmdir(base.c_str()) != 0 && errno != ENOENT) {
        ADD_FAILURE() << "leaked cgroup " << base;
      }
    }
  }

  // A container whose VE_ROOT is a busybox directory (no storage); `init`
  // replaces /sbin/init when given (a shell script).
  void MakeDirContainer(const std::string& ctid, const std::string& extra = "",
                        const std::string& init = "") {
    const std::string rootfs = Path("/vz/root/" + ctid);
    ASSERT_TRUE(MakeDirs(rootfs).ok());
    ASSERT_TRUE(MakeBusyboxRootfs(rootfs).ok());
    if (!init.empty()) {
      ::unlink((rootfs + "/sbin/init").c_str());
      ASSERT_TRUE(WriteFileAtomic(rootfs + "/sbin/init",
                                  "#!/bin/sh\n" + init + "\n", 0755)
                      .ok());
    }
    ASSERT_TRUE(WriteFileAtomic(Path("/etc/vz/conf/" + ctid + ".conf"),
                                "VERSION=\"2\"\nSTOP_TIMEOUT=\"10\"\n" + extra)
                    .ok());
  }

  // The journal's events for `ctid`, "event:reason".
  std::vector<std::string> Events(const std::string& ctid) {
    std::vector<std::string> out;
    auto batch = ReadEvents(Path("/var/log/vz/events.log"), 0);
    if (!batch.has_value()) return out;
    for (const auto& e : batch->events) {
      if (e.ctid == ctid) out.push_back(e.event + ":" + e.reason);
    }
    return out;
  }

  // Waits until `pred` holds, up to `secs`.
  template <typename Pred>
  bool Eventually(Pred pred, int secs = 10) {
    for (int i = 0; i < secs * 20; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
  }

  std::string prefix_;
};

}  // namespace vz::testing
