// ploop snapshot-merge: merge a child into its parent, or -A everything.
#include "ploop/cli/commands.h"
#include "ploop/ops.h"
#include "ploop/snapshot.h"

namespace ploop::cli {

vz::Status RunSnapshotMerge(const Args& args) {
  po::options_description o;
  o.add_options()("uuid,u", po::value<std::string>(), "")(
      "all,A", po::bool_switch(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  bool all = vm["all"].as<bool>();
  if (all && vm.count("uuid")) return Usage("-u and -A exclude each other");
  std::optional<vz::Uuid> child;
  if (vm.count("uuid")) {
    VZ_ASSIGN_OR_RETURN(child, ParseGuid(vm["uuid"].as<std::string>()));
  }
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  VZ_ASSIGN_OR_RETURN(SnapshotReport r,
                      MergeImageSnapshot(node, dd, child, all));
  PrintNotes(r.notes);
  return vz::OkStatus();
}

}  // namespace ploop::cli
