// ploop init: create an image, as `ploop init` does.
#include <unistd.h>

#include <iostream>

#include "base/file_util.h"
#include "base/node_root.h"
#include "ploop/cli/commands.h"
#include "ploop/fs.h"
#include "ploop/image.h"

namespace ploop::cli {

vz::Status RunInit(const Args& args) {
  po::options_description o;
  o.add_options()("size,s", po::value<std::string>(), "")(
      "format,f", po::value<std::string>(), "")(
      "version,v", po::value<int>()->default_value(2), "")(
      "fstype,t", po::value<std::string>()->default_value("ext4"), "")(
      "blocksize,b", po::value<uint32_t>()->default_value(2048), "")(
      "label,L", po::value<std::string>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"delta"}));
  VZ_ASSIGN_OR_RETURN(
      std::string delta,
      Positional(vm, "delta", "DELTA (the base delta file to create)"));
  if (!vm.count("size")) return Usage("missing -s SIZE");
  CreateParams p;
  VZ_ASSIGN_OR_RETURN(p.size_bytes,
                      ParseImageSize(vm["size"].as<std::string>()));
  p.version = vm["version"].as<int>();
  p.cluster_sectors = vm["blocksize"].as<uint32_t>();
  std::string format =
      vm.count("format") ? vm["format"].as<std::string>() : "ploop1";
  if (format == "raw") {
    p.format = ImageFormat::kRaw;
  } else if (format != "ploop1" && format != "expanded") {
    return Usage("unknown format '" + format + "': expected ploop1 or raw");
  }
  std::string fstype = vm["fstype"].as<std::string>();
  if (fstype != "none" && fstype != "ext4") {
    return Usage("unknown filesystem '" + fstype + "': expected ext4 or none");
  }
  p.base_name = vz::BaseName(delta);
  std::string dir = vz::DirName(delta);
  std::string dd = vz::JoinPath(dir, kDescriptorName);
  VZ_RETURN_IF_ERROR(CreateImage(dir, p));
  if (fstype == "ext4") {
    VZ_ASSIGN_OR_RETURN(auto node, Node());
    FilesystemOptions fo;
    if (vm.count("label")) fo.label = vm["label"].as<std::string>();
    vz::Status s = CreateFilesystem(node, dd, fo);
    if (!s.ok()) {
      // A half-made image is worse than none: remove what CreateImage made.
      ::unlink(delta.c_str());
      ::unlink(dd.c_str());
      return s;
    }
  }
  std::cout << "created image '" << dd << "'\n";
  return vz::OkStatus();
}

}  // namespace ploop::cli
