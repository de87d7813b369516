// ploop restore-descriptor: rebuild DiskDescriptor.xml from a base delta.
#include <iostream>

#include "base/file_util.h"
#include "ploop/cli/commands.h"
#include "ploop/restore.h"

namespace ploop::cli {

vz::Status RunRestoreDescriptor(const Args& args) {
  po::options_description o;
  o.add_options()("format,f", po::value<std::string>(), "")(
      "blocksize,b", po::value<uint32_t>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dir", "delta"}, 2));
  VZ_ASSIGN_OR_RETURN(std::string dir, Positional(vm, "dir", "DIR"));
  VZ_ASSIGN_OR_RETURN(std::string delta, Positional(vm, "delta", "BASE_DELTA"));
  RestoreParams p;
  if (vm.count("format")) {
    std::string f = vm["format"].as<std::string>();
    if (f == "raw") {
      p.type = DeltaType::kPlain;
    } else if (f == "ploop1" || f == "expanded") {
      p.type = DeltaType::kCompressed;
    } else {
      return Usage("unknown format '" + f + "': expected raw or ploop1");
    }
  }
  if (vm.count("blocksize")) p.cluster_sectors = vm["blocksize"].as<uint32_t>();
  VZ_RETURN_IF_ERROR(RestoreDescriptor(dir, delta, p));
  std::cout << "restored '" << vz::JoinPath(dir, "DiskDescriptor.xml") << "'\n";
  return vz::OkStatus();
}

}  // namespace ploop::cli
