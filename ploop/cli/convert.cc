// ploop convert: raw <-> ploop1, or the ploop1 format version.
#include "ploop/convert.h"

#include <iostream>

#include "ploop/cli/commands.h"

namespace ploop::cli {

vz::Status RunConvert(const Args& args) {
  po::options_description o;
  o.add_options()("format,f", po::value<std::string>(), "")(
      "version,v", po::value<int>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  bool format = vm.count("format"), version = vm.count("version");
  if (format == version) return Usage("give one of -f FORMAT and -v VERSION");
  ConvertReport r;
  if (version) {
    VZ_ASSIGN_OR_RETURN(r, ConvertVersion(dd, vm["version"].as<int>()));
    if (r.converted_deltas)
      std::cout << "converted " << r.converted_deltas << " delta(s)\n";
  } else {
    std::string f = vm["format"].as<std::string>();
    DeltaType type;
    if (f == "raw") {
      type = DeltaType::kPlain;
    } else if (f == "ploop1" || f == "expanded") {
      type = DeltaType::kCompressed;
    } else {
      return Usage("unknown format '" + f + "': expected raw or ploop1");
    }
    VZ_ASSIGN_OR_RETURN(r, ConvertFormat(dd, type));
    if (r.copied_clusters || r.skipped_zero_clusters)
      std::cout << "copied " << r.copied_clusters << " clusters, skipped "
                << r.skipped_zero_clusters << " zero clusters\n";
  }
  PrintNotes(r.notes);
  return vz::OkStatus();
}

}  // namespace ploop::cli
