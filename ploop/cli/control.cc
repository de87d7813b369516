// ploop stat / iolimit / ioprio: talk to a mounted image's device server.
#include <iostream>

#include "base/node_root.h"
#include "base/size.h"
#include "ploop/cli/commands.h"
#include "ploop/control_client.h"
#include "ploop/exit_codes.h"
#include "ploop/mount.h"

namespace ploop::cli {
namespace {

// The control client of the image `target` (descriptor, mount point or
// device) names. Errors: SYSEXIT_DEV_NOT_MOUNTED if it is not mounted.
vz::Result<std::unique_ptr<ControlClient>> Connect(const std::string& target) {
  VZ_ASSIGN_OR_RETURN(auto node, Node());
  VZ_ASSIGN_OR_RETURN(auto m, FindMount(node, target));
  if (!m) {
    return vz::FailedPreconditionError("'" + target +
                                       "' is not a mounted ploop image")
        .WithExitCode(kSysExitDevNotMounted);
  }
  if (!m->alive) {
    return vz::UnavailableError("the device server of '" + m->descriptor +
                                "' is dead")
        .WithExitCode(kSysExitDevice);
  }
  return ControlClient::Connect(m->control);
}

void Print(const ControlMessage& m) {
  for (const auto& [k, v] : m.fields) std::cout << k << "=" << v << "\n";
}

}  // namespace

vz::Status RunStat(const Args& args) {
  po::options_description o;
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"target"}));
  VZ_ASSIGN_OR_RETURN(
      std::string t,
      Positional(vm, "target", "DiskDescriptor.xml, mount point or device"));
  VZ_ASSIGN_OR_RETURN(auto c, Connect(t));
  VZ_ASSIGN_OR_RETURN(auto status, c->Call(ControlMessage{"status", {}}));
  VZ_ASSIGN_OR_RETURN(auto stats, c->Call(ControlMessage{"stat", {}}));
  Print(status);
  Print(stats);
  return vz::OkStatus();
}

vz::Status RunIolimit(const Args& args) {
  po::options_description o;
  o.add_options()("bytes", po::value<std::string>(), "")(
      "bytes-burst", po::value<std::string>(), "")(
      "ops", po::value<uint64_t>(), "")("ops-burst", po::value<uint64_t>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"target"}));
  VZ_ASSIGN_OR_RETURN(
      std::string t,
      Positional(vm, "target", "DiskDescriptor.xml, mount point or device"));
  ControlMessage req{"iolimit", {}};
  for (const char* k : {"bytes", "bytes-burst"}) {
    if (!vm.count(k)) continue;
    auto v = vz::ParseSize(vm[k].as<std::string>());
    if (!v.has_value()) return Usage(v.error().message());
    req.Set(std::string(k) == "bytes" ? "bytes_per_sec" : "bytes_burst",
            std::to_string(*v));
  }
  if (vm.count("ops"))
    req.Set("ops_per_sec", std::to_string(vm["ops"].as<uint64_t>()));
  if (vm.count("ops-burst"))
    req.Set("ops_burst", std::to_string(vm["ops-burst"].as<uint64_t>()));
  VZ_ASSIGN_OR_RETURN(auto c, Connect(t));
  VZ_ASSIGN_OR_RETURN(auto r, c->Call(req));
  Print(r);
  return vz::OkStatus();
}

vz::Status RunIoprio(const Args& args) {
  po::options_description o;
  o.add_options()("priority,p", po::value<uint32_t>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"target"}));
  VZ_ASSIGN_OR_RETURN(
      std::string t,
      Positional(vm, "target", "DiskDescriptor.xml, mount point or device"));
  ControlMessage req{"ioprio", {}};
  if (vm.count("priority"))
    req.Set("priority", std::to_string(vm["priority"].as<uint32_t>()));
  VZ_ASSIGN_OR_RETURN(auto c, Connect(t));
  VZ_ASSIGN_OR_RETURN(auto r, c->Call(req));
  Print(r);
  return vz::OkStatus();
}

}  // namespace ploop::cli
