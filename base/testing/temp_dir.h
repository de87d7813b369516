// TempDir: a fresh directory under $TMPDIR (or /tmp) removed with all its
// contents when the object goes away. For tests only.
#pragma once

#include <stdlib.h>

#include <string>

#include "base/file_util.h"

namespace vz::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl =
        std::string(base && *base ? base : "/tmp") + "/vz-test-XXXXXX";
    char* p = mkdtemp(tmpl.data());
    path_ = p ? p : "";
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (!path_.empty()) (void)RemoveTree(path_);
  }

  const std::string& path() const { return path_; }
  std::string Join(std::string_view name) const {
    return JoinPath(path_, name);
  }

 private:
  std::string path_;
};

}  // namespace vz::testing
