// ploop snapshot: freeze the top delta, as `ploop snapshot` does.
#include "ploop/snapshot.h"

#include <iostream>

#include "ploop/cli/commands.h"
#include "ploop/ops.h"

namespace ploop::cli {

vz::Status RunSnapshot(const Args& args) {
  po::options_description o;
  o.add_options()("uuid,u", po::value<std::string>(), "")(
      "name", po::value<std::string>(), "")("description",
                                            po::value<std::string>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  SnapshotParams p;
  if (vm.count("uuid")) {
    VZ_ASSIGN_OR_RETURN(p.guid, ParseGuid(vm["uuid"].as<std::string>()));
  }
  if (vm.count("name")) p.name = vm["name"].as<std::string>();
  if (vm.count("description"))
    p.description = vm["description"].as<std::string>();
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  // A mounted image is snapshotted online by its device server.
  VZ_ASSIGN_OR_RETURN(OnlineSnapshot s, SnapshotImage(node, dd, p));
  std::cout << s.guid.ToBraced() << "\n";
  if (s.online) {
    std::cerr << "online snapshot: filesystem frozen and I/O held for "
              << s.duration_us / 1000 << " ms\n";
  }
  return vz::OkStatus();
}

}  // namespace ploop::cli
