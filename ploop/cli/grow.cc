// ploop grow: grow an unmounted image's virtual disk.
#include <iostream>

#include "ploop/cli/commands.h"
#include "ploop/exit_codes.h"
#include "ploop/resize.h"

namespace ploop::cli {

vz::Status RunGrow(const Args& args) {
  po::options_description o;
  o.add_options()("size,s", po::value<std::string>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  if (!vm.count("size")) return Usage("missing -s SIZE");
  VZ_ASSIGN_OR_RETURN(uint64_t size,
                      ParseImageSize(vm["size"].as<std::string>()));
  auto r = GrowImage(dd, size);
  if (!r.has_value()) {
    if (ExitCodeFor(r.error()) == kSysExitFlock) {
      return vz::UnavailableError("image '" + dd +
                                  "' is mounted: use 'ploop resize'")
          .WithExitCode(kSysExitFlock);
    }
    return std::move(r).error();
  }
  std::cout << "grown from " << r->old_bytes << " to " << r->new_bytes
            << " bytes";
  if (r->relocated_clusters)
    std::cout << " (" << r->relocated_clusters
              << " clusters moved out of the BAT's way)";
  std::cout << "\n";
  return vz::OkStatus();
}

}  // namespace ploop::cli
