#include "libvz/util/data_dir.h"

#include <cstdlib>

namespace vz {

std::string DataDir() {
  if (const char* d = std::getenv("VZ_DATA_DIR"); d && *d) return d;
#ifdef VZ_DATA_DIR_DEFAULT
  return VZ_DATA_DIR_DEFAULT;
#else
  return "/usr/share/vz";
#endif
}

}  // namespace vz
