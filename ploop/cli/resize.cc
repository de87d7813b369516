// ploop resize / compact: the disk and its filesystem together.
#include <iostream>

#include "base/node_root.h"
#include "ploop/cli/commands.h"
#include "ploop/ops.h"

namespace ploop::cli {

vz::Status RunResize(const Args& args) {
  po::options_description o;
  o.add_options()("size,s", po::value<std::string>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  if (!vm.count("size")) return Usage("missing -s SIZE");
  VZ_ASSIGN_OR_RETURN(uint64_t size,
                      ParseImageSize(vm["size"].as<std::string>()));
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  VZ_ASSIGN_OR_RETURN(FsResize r, ResizeImageWithFs(node, dd, size));
  std::cout << "resized " << (r.online ? "online" : "offline") << " from "
            << r.old_bytes << " to " << r.new_bytes << " bytes\n";
  return vz::OkStatus();
}

vz::Status RunCompact(const Args& args) {
  po::options_description o;
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  VZ_ASSIGN_OR_RETURN(CompactReport r, CompactImage(node, dd));
  std::cout << "reclaimed " << r.reclaimed_bytes << " bytes ("
            << r.released_clusters << " clusters released, " << r.moved_clusters
            << " moved)\n";
  if (r.kept_shadowing_clusters) {
    std::cout << r.kept_shadowing_clusters
              << " discarded clusters were kept: they shadow data of a lower "
                 "delta (the "
                 "template or a snapshot); merging snapshots frees them\n";
  }
  if (r.partly_discarded_clusters) {
    std::cout << r.partly_discarded_clusters
              << " clusters are only partly free and were kept\n";
  }
  return vz::OkStatus();
}

}  // namespace ploop::cli
