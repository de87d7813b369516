#include "libvz/net/libnl.h"

#include <atomic>
#include <cstdlib>

#include "base/shared_library.h"

namespace vz::net {
namespace {

std::atomic<const LibNl*> loaded{nullptr};

Result<LibNl> Resolve() {
  // The route library needs libnl-3, which the loader maps with it; its
  // symbols are found through this handle too.
  VZ_ASSIGN_OR_RETURN(void* lib, OpenSharedLibrary("libnl-route-3.so.200",
                                                   "libnl-route-3-200"));
  LibNl api;
#define VZ_LIBNL_RESOLVE(f) VZ_RETURN_IF_ERROR(ResolveSymbol(lib, #f, &api.f));
  VZ_LIBNL_CALLS(VZ_LIBNL_RESOLVE)
#undef VZ_LIBNL_RESOLVE
  return api;
}

}  // namespace

Result<const LibNl*> LoadLibNl() {
  static const Result<LibNl> api = Resolve();
  if (!api.has_value()) return api.error();
  loaded.store(&*api);
  return &*api;
}

const LibNl& Nl() {
  // A call before a successful load is a bug of ours, not bad input.
  const LibNl* api = loaded.load();
  if (api == nullptr) std::abort();
  return *api;
}

}  // namespace vz::net
