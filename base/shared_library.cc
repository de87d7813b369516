#include "base/shared_library.h"

namespace vz {

Result<void*> OpenSharedLibrary(const char* soname, const char* package) {
  void* lib = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (lib != nullptr) return lib;
  const char* why = ::dlerror();
  return FailedPreconditionError(std::string("load ") + soname +
                                 " (Debian package " + package +
                                 "): " + (why ? why : "unknown error"));
}

}  // namespace vz
