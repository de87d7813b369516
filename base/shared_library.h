// Shared libraries loaded on first use (dlopen) instead of at program
// start. A library named in the executable is mapped and relocated, with
// everything it pulls in, before main() runs, by every run of the program;
// vzctl and vz-monitor start on the path of every container start and exec
// (a few ms each for libxml2, OpenSSL and nftables), while most runs never
// call those libraries. Callers keep one table of function pointers per
// library, resolved once (see ploop/xml.cc, libvz/net/nft.cc).
#pragma once

#include <dlfcn.h>

#include <string>

#include "base/status.h"

namespace vz {

// Opens `soname` (RTLD_NOW | RTLD_LOCAL); it is never closed. Errors:
// kFailedPrecondition naming the library, the Debian `package` that ships
// it and dlopen's reason.
Result<void*> OpenSharedLibrary(const char* soname, const char* package);

// Sets *fn to symbol `name` of `lib`. Errors: kFailedPrecondition naming
// the symbol (a library too old or too new for us).
template <typename F>
Status ResolveSymbol(void* lib, const char* name, F* fn) {
  *fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (*fn != nullptr) return OkStatus();
  return FailedPreconditionError(std::string("shared library lacks '") + name +
                                 "'");
}

}  // namespace vz
