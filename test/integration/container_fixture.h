// A node for container lifecycle tests (NodeFixture, which gives it a node
// prefix of its own and removes its cgroups), with a teardown that first
// stops whatever monitor a failed test left running, by the pid in its pid
// file.
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
        // Monitors' <CTID>.pid only (lxcfs.pid is the node's lxcfs).
        if (!f.ends_with(".pid") || f == "lxcfs.pid") continue;
        auto text = ReadFile(Path("/run/vz/" + f));
        auto words = SplitNonEmpty(text.value_or(""), ' ');
        pid_t pid = words.empty() ? 0 : std::atoi(words[0].c_str());
        if (pid > 0) {
          ADD_FAILURE() << "monitor " << pid << " still running";
          ::kill(pid, SIGKILL);
        }
      }
    }
    // NodeFixture::TearDown removes the node's cgroups.
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
};

}  // namespace vz::testing
