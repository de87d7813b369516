// ploop snapshot-delete: remove a snapshot or merge it into its child.
#include "ploop/cli/commands.h"
#include "ploop/ops.h"
#include "ploop/snapshot.h"

namespace ploop::cli {

vz::Status RunSnapshotDelete(const Args& args) {
  po::options_description o;
  o.add_options()("uuid,u", po::value<std::string>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  if (!vm.count("uuid")) return Usage("missing -u UUID");
  VZ_ASSIGN_OR_RETURN(vz::Uuid guid, ParseGuid(vm["uuid"].as<std::string>()));
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  VZ_ASSIGN_OR_RETURN(SnapshotReport r, DeleteImageSnapshot(node, dd, guid));
  PrintNotes(r.notes);
  return vz::OkStatus();
}

}  // namespace ploop::cli
