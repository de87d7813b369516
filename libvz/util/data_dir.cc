#include "libvz/util/data_dir.h"

#include <cstdlib>
#include <filesystem>

#include "base/file_util.h"
#include "base/subprocess.h"

namespace vz {
namespace {

std::string CompiledDefault() {
#ifdef VZ_DATA_DIR_DEFAULT
  return VZ_DATA_DIR_DEFAULT;
#else
  return "/usr/share/vz";
#endif
}

}  // namespace

std::string InstalledDataDir(const std::string& exe) {
  if (exe.empty()) return "";
#ifdef VZ_DATA_DIR_FROM_SBIN
  const char* from_sbin = VZ_DATA_DIR_FROM_SBIN;
#else
  const char* from_sbin = "../share/vz";
#endif
  std::string dir = std::filesystem::path(JoinPath(DirName(exe), from_sbin))
                        .lexically_normal()
                        .string();
  return PathExists(JoinPath(dir, "recipes")) ? dir : "";
}

std::string DataDir() {
  if (const char* d = std::getenv("VZ_DATA_DIR"); d && *d) return d;
  // Looked up once per process: it cannot change under a running program.
  static const std::string installed = InstalledDataDir(SelfExecutable());
  return installed.empty() ? CompiledDefault() : installed;
}

}  // namespace vz
