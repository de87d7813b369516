// Golden files for tests (libvirt's xml2xml idea): compare output with
// test/data/<name>; VZ_UPDATE_GOLDEN=1 rewrites the file instead.
#pragma once

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "base/file_util.h"

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

inline std::string TestDataPath(const std::string& name) {
  return SourceDir() + "/test/data/" + name;
}

inline void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = TestDataPath(name);
  const char* update = std::getenv("VZ_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    ASSERT_TRUE(MakeDirs(DirName(path)).ok());
    ASSERT_TRUE(WriteFileAtomic(path, actual).ok());
    return;
  }
  auto expected = ReadFile(path);
  ASSERT_TRUE(expected.has_value())
      << "missing golden file " << path
      << " (run with VZ_UPDATE_GOLDEN=1 to create it)";
  EXPECT_EQ(*expected, actual) << "golden file " << path << " differs";
}

}  // namespace vz::testing
