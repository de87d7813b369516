// ploop mount / umount / list.
#include "ploop/mount.h"

#include <iostream>

#include "base/node_root.h"
#include "ploop/cli/commands.h"

namespace ploop::cli {

vz::Status RunMount(const Args& args) {
  po::options_description o;
  o.add_options()("read-only,r", "")("mount-point,m", po::value<std::string>(),
                                     "")("options,o", po::value<std::string>(),
                                         "")(
      "fstype,t", po::value<std::string>(), "")("uring",
                                                po::value<std::string>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"descriptor"}));
  VZ_ASSIGN_OR_RETURN(std::string dd,
                      Positional(vm, "descriptor", "DiskDescriptor.xml"));
  MountOptions mo;
  mo.read_only = vm.count("read-only") > 0;
  if (vm.count("mount-point"))
    mo.mount_point = vm["mount-point"].as<std::string>();
  if (vm.count("options")) mo.fs_options = vm["options"].as<std::string>();
  if (vm.count("fstype")) mo.fs_type = vm["fstype"].as<std::string>();
  if (vm.count("uring")) {
    mo.uring = vm["uring"].as<std::string>();
    if (mo.uring != "auto" && mo.uring != "on" && mo.uring != "off") {
      return Usage("--uring takes auto, on or off");
    }
  }
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  VZ_ASSIGN_OR_RETURN(MountInfo m, Mount(node, dd, mo));
  std::cout << "mounted '" << m.descriptor << "': device " << m.device;
  if (!m.mount_point.empty()) std::cout << " on '" << m.mount_point << "'";
  std::cout << " (server pid " << m.pid << ")\n";
  return vz::OkStatus();
}

vz::Status RunUmount(const Args& args) {
  po::options_description o;
  o.add_options()("mount-point,m", po::value<std::string>(), "")(
      "device,d", po::value<std::string>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"target"}));
  std::string what;
  if (vm.count("mount-point")) what = vm["mount-point"].as<std::string>();
  if (vm.count("device")) what = vm["device"].as<std::string>();
  if (vm.count("target")) what = vm["target"].as<std::string>();
  if (what.empty())
    return Usage("missing DiskDescriptor.xml, -m MOUNT_POINT or -d DEVICE");
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  return Umount(node, what);
}

vz::Status RunList(const Args& args) {
  po::options_description o;
  o.add_options()("all,a", "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {}, 0));
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  VZ_ASSIGN_OR_RETURN(auto mounts, ListMounts(node));
  for (const auto& m : mounts) {
    std::cout << m.device << "\t" << m.descriptor;
    if (!m.mount_point.empty() || vm.count("all"))
      std::cout << "\t" << (m.mount_point.empty() ? "-" : m.mount_point);
    if (vm.count("all"))
      std::cout << "\tpid=" << m.pid << (m.read_only ? "\tro" : "\trw");
    if (!m.alive) std::cout << "\t(server dead: 'ploop umount' cleans up)";
    std::cout << "\n";
  }
  return vz::OkStatus();
}

}  // namespace ploop::cli
