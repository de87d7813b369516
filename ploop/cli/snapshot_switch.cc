// ploop snapshot-switch: revert to a snapshot, offline.
#include "ploop/cli/commands.h"
#include "ploop/ops.h"
#include "ploop/snapshot.h"

namespace ploop::cli {

vz::Status RunSnapshotSwitch(const Args& args) {
  po::options_description o;
  o.add_options()("uuid,u", po::value<std::string>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  if (!vm.count("uuid")) return Usage("missing -u UUID");
  VZ_ASSIGN_OR_RETURN(vz::Uuid guid, ParseGuid(vm["uuid"].as<std::string>()));
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  return SwitchImageSnapshot(node, dd, guid);
}

}  // namespace ploop::cli
