// Helpers for privileged integration tests: skip when not root, find the
// built binaries, and check that a test left no kernel objects behind.
#pragma once

#include <unistd.h>

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/subprocess.h"

namespace vz::testing {

#define VZ_REQUIRE_ROOT()                                                     \
  do {                                                                        \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (real kernel objects)"; \
  } while (0)

inline std::string BuildDir() {
  const char* env = std::getenv("VZ_BUILD_DIR");
  if (env && *env) return env;
#ifdef VZ_BUILD_DIR_DEFAULT
  return VZ_BUILD_DIR_DEFAULT;
#else
  return ".";
#endif
}

inline std::string PloopBinary() { return BuildDir() + "/ploop/ploop"; }
inline std::string PloopServerBinary() {
  return BuildDir() + "/ploop/ploop-server";
}

// Loop devices attached to files under `prefix`, and mounts under it.
inline std::set<std::string> KernelObjectsUnder(const std::string& prefix) {
  std::set<std::string> out;
  auto loops = RunSubprocess({"losetup", "-a", "-O", "NAME,BACK-FILE", "-n"});
  if (loops.has_value()) {
    for (const auto& line : SplitNonEmpty(loops->out, '\n')) {
      if (line.find(prefix) != std::string::npos) out.insert("loop: " + line);
    }
  }
  auto mounts = ReadFile("/proc/self/mountinfo");
  if (mounts.has_value()) {
    for (const auto& line : SplitNonEmpty(*mounts, '\n')) {
      if (line.find(prefix) != std::string::npos) out.insert("mount: " + line);
    }
  }
  return out;
}

}  // namespace vz::testing
