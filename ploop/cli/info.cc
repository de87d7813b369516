// ploop info: size, format and deltas of an image.
#include "ploop/info.h"

#include <iostream>

#include "base/size.h"
#include "ploop/cli/commands.h"

namespace ploop::cli {

vz::Status RunInfo(const Args& args) {
  po::options_description o;
  o.add_options()("spec,s", po::bool_switch(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  VZ_ASSIGN_OR_RETURN(ImageInfo info, GetImageInfo(dd));
  std::string version = info.version ? std::to_string(*info.version) : "raw";
  if (vm["spec"].as<bool>()) {  // ploop info -s
    std::cout << "   size:\t\t" << info.virtual_bytes / 512 << "\n"
              << "   blocksize:\t" << info.cluster_bytes / 512 << "\n"
              << "   fmt_version:\t" << version << "\n";
    return vz::OkStatus();
  }
  std::cout << "size:        " << info.virtual_bytes << " bytes ("
            << vz::FormatHumanSize(info.virtual_bytes) << ")\n"
            << "blocksize:   " << info.cluster_bytes / 512 << " sectors ("
            << vz::FormatHumanSize(info.cluster_bytes) << ")\n"
            << "fmt_version: " << version << "\n"
            << "snapshots:   " << info.snapshots << "\n"
            << "deltas, base first:\n";
  for (const auto& d : info.deltas) {
    std::cout << "  " << d.file << "\n"
              << "    guid:       " << d.guid.ToBraced() << "\n"
              << "    type:       "
              << (d.type == DeltaType::kPlain
                      ? std::string("raw")
                      : "ploop1 v" + std::to_string(d.version.value_or(0)))
              << (d.shared ? ", shared" : "") << (d.in_use ? ", in use" : "")
              << "\n"
              << "    allocated:  " << d.allocated_bytes << " bytes ("
              << d.mapped_clusters << " clusters)\n"
              << "    file size:  " << d.file_bytes << " bytes\n"
              << "    shadowing:  " << d.shadowing_clusters
              << " clusters of deltas below\n";
    if (d.free_clusters)
      std::cout << "    leaked:     " << d.free_clusters << " clusters\n";
  }
  return vz::OkStatus();
}

}  // namespace ploop::cli
