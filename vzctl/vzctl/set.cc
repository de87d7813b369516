// vzctl set CTID [options] [--save] (doc/vzctl.md, "set"): each option is
// validated and turned into a config key here; libvz/set.h applies them.
#include "libvz/set.h"

#include <iostream>
#include <set>

#include "base/size.h"
#include "libvz/ctid.h"
#include "libvz/resources.h"
#include "libvz/ve_config.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {
namespace {

using Changes = std::vector<SetChange>;
using Vm = cli::po::variables_map;

std::optional<std::string> Opt(const Vm& vm, const char* key) {
  if (!vm.count(key)) return std::nullopt;
  return vm[key].as<std::string>();
}

Status Bad(const std::string& option, const std::string& v,
           const std::string& why) {
  return InvalidArgumentError("invalid --" + option + " '" + v + "': " + why)
      .WithExitCode(21);
}

Result<std::string> YesNo(const std::string& option, const std::string& v) {
  if (v == "yes" || v == "no") return v;
  return Bad(option, v, "expected yes or no");
}

// Resources: --ram --swap --cpus --cpulimit --cpuunits --cpumask --numproc.
Status ResourceOptions(const Vm& vm, Changes& out) {
  if (auto v = Opt(vm, "ram")) {
    VZ_ASSIGN_OR_RETURN(uint64_t b, ParseRamOption("--ram", *v));
    if (b < (1 << 20)) return Bad("ram", *v, "below 1M");
    out.push_back({"PHYSPAGES", FormatPagesPair(b)});
  }
  if (auto v = Opt(vm, "swap")) {
    VZ_ASSIGN_OR_RETURN(uint64_t b, ParseRamOption("--swap", *v));
    out.push_back({"SWAPPAGES", FormatPagesPair(b)});
  }
  if (auto v = Opt(vm, "cpus")) {
    VZ_ASSIGN_OR_RETURN(uint32_t n, ParseCpusOption(*v));
    out.push_back({"CPUS", std::to_string(n)});
  }
  if (auto v = Opt(vm, "cpulimit")) {
    VZ_ASSIGN_OR_RETURN(uint32_t n, ParseCpuLimitOption(*v));
    if (n > 100 * HostCpus()) {
      return Bad("cpulimit", *v,
                 "above " + std::to_string(100 * HostCpus()) +
                     "% (all CPUs of this host)");
    }
    out.push_back({"CPULIMIT", std::to_string(n)});
  }
  if (auto v = Opt(vm, "cpuunits")) {
    VZ_ASSIGN_OR_RETURN(uint32_t n, ParseCpuUnitsOption(*v));
    out.push_back({"CPUUNITS", std::to_string(n)});
  }
  if (auto v = Opt(vm, "cpumask")) {
    VZ_ASSIGN_OR_RETURN(std::string m, ParseCpuMaskOption(*v, HostCpus()));
    out.push_back({"CPUMASK", m});
  }
  if (auto v = Opt(vm, "numproc")) {
    VZ_ASSIGN_OR_RETURN(uint64_t n, ParseNumProcOption(*v));
    std::string s = n ? std::to_string(n) : "unlimited";
    out.push_back({"NUMPROC", s + ":" + s});
  }
  return OkStatus();
}

// Disk and I/O: --diskspace --diskinodes --iolimit --iopslimit --ioprio.
Status DiskOptions(const Vm& vm, Changes& out) {
  if (auto v = Opt(vm, "diskspace")) {
    VZ_ASSIGN_OR_RETURN(DiskLimit d, ParseDiskSpace(*v));
    out.push_back({"DISKSPACE", FormatDiskSpace(d)});
  }
  if (auto v = Opt(vm, "diskinodes")) {
    VZ_ASSIGN_OR_RETURN(DiskLimit d, ParseDiskInodes(*v));
    out.push_back({"DISKINODES", FormatDiskInodes(d)});
  }
  if (auto v = Opt(vm, "iolimit")) {
    // A plain number is MB/s, as OpenVZ's --iolimit.
    auto b = ParseSize(*v, {.default_unit = 1 << 20});
    if (!b.has_value()) return Bad("iolimit", *v, b.error().message());
    out.push_back({"IOLIMIT", std::to_string(*b)});
  }
  if (auto v = Opt(vm, "iopslimit")) {
    auto n = ParseUint(*v);
    if (!n.has_value()) return Bad("iopslimit", *v, "not a number");
    out.push_back({"IOPSLIMIT", std::to_string(*n)});
  }
  if (auto v = Opt(vm, "ioprio")) {
    auto n = ParseUint(*v);
    if (!n.has_value() || *n > 7) return Bad("ioprio", *v, "must be 0..7");
    out.push_back({"IOPRIO", std::to_string(*n)});
  }
  return OkStatus();
}

// Boot, identity and runtime keys kept for the next start.
Status OtherOptions(const Vm& vm, Changes& out) {
  if (auto v = Opt(vm, "onboot")) {
    VZ_ASSIGN_OR_RETURN(std::string y, YesNo("onboot", *v));
    out.push_back({"ONBOOT", y});
  }
  if (auto v = Opt(vm, "bootorder")) {
    auto n = ParseUint(*v);
    if (!n.has_value()) return Bad("bootorder", *v, "not a number");
    out.push_back({"BOOTORDER", std::to_string(*n)});
  }
  if (auto v = Opt(vm, "autorestart")) {
    if (*v != "no" && *v != "on-failure" && *v != "yes") {
      return Bad("autorestart", *v, "expected no or on-failure");
    }
    out.push_back({"AUTORESTART", *v == "yes" ? "on-failure" : *v});
  }
  if (auto v = Opt(vm, "hostname")) {
    VZ_RETURN_IF_ERROR(ValidateHostname(*v));
    out.push_back({"HOSTNAME", *v});
  }
  if (auto v = Opt(vm, "name")) {
    VZ_RETURN_IF_ERROR(ValidateContainerName(*v));
    out.push_back({"NAME", *v});
  }
  if (auto v = Opt(vm, "description")) out.push_back({"DESCRIPTION", *v});
  for (const char* k : {"capability", "features", "devnodes", "devices"}) {
    if (auto v = Opt(vm, k)) {
      std::string key = k;
      for (auto& c : key) c = static_cast<char>(std::toupper(c));
      out.push_back({key, *v});
    }
  }
  return OkStatus();
}

// The network options, whose order matters (--ifname X applies to the
// options after it), taken out of `args` before the rest is parsed.
struct NetworkArgs {
  std::vector<NetEdit> edits;
  std::vector<std::string> userpasswd;
  cli::Args rest;
};

Result<NetworkArgs> TakeNetworkOptions(const cli::Args& args) {
  static const std::set<std::string> kGlobal = {
      "ipadd",        "ipdel", "netif_add", "netif_del",  "nameserver",
      "searchdomain", "rate",  "ratebound", "userpasswd", "ifname"};
  static const std::set<std::string> kPerIf = {
      "ipadd", "ipdel",       "gw",       "gw6",    "dhcp",      "dhcp6",
      "mac",   "host_ifname", "host_mac", "bridge", "mac_filter"};
  NetworkArgs out;
  std::string ifname;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string name, value;
    if (!a.starts_with("--")) {
      out.rest.push_back(a);
      continue;
    }
    auto eq = a.find('=');
    name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const bool ours =
        kGlobal.count(name) || (!ifname.empty() && kPerIf.count(name));
    if (!ours) {
      out.rest.push_back(a);
      continue;
    }
    if (eq != std::string::npos) {
      value = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return cli::Usage("--" + name + " needs a value");
    }
    if (name == "ifname") {
      ifname = value;
    } else if (name == "userpasswd") {
      if (value.find(':') == std::string::npos || value[0] == ':') {
        return InvalidArgumentError(
                   "invalid --userpasswd: expected "
                   "user:password")
            .WithExitCode(74);
      }
      out.userpasswd.push_back(value);
    } else {
      const bool per_if = !ifname.empty() && kPerIf.count(name);
      out.edits.push_back({name, value, per_if ? ifname : ""});
    }
  }
  return out;
}

}  // namespace

Status RunSet(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  for (const char* k :
       {"ram",       "swap",    "cpus",        "cpulimit",   "cpuunits",
        "cpumask",   "numproc", "diskspace",   "diskinodes", "iolimit",
        "iopslimit", "ioprio",  "onboot",      "bootorder",  "autorestart",
        "hostname",  "name",    "description", "capability", "features",
        "devnodes",  "devices", "applyconfig", "setmode"}) {
    o.add_options()(k, cli::po::value<std::string>());
  }
  o.add_options()("save", "")("bindmount_add",
                              cli::po::value<std::vector<std::string>>())(
      "bindmount_del", cli::po::value<std::vector<std::string>>());
  VZ_ASSIGN_OR_RETURN(NetworkArgs net, TakeNetworkOptions(args));
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(net.rest, o, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  Changes changes;
  VZ_RETURN_IF_ERROR(ResourceOptions(vm, changes));
  VZ_RETURN_IF_ERROR(DiskOptions(vm, changes));
  VZ_RETURN_IF_ERROR(OtherOptions(vm, changes));
  SetOptions so;
  so.save = vm.count("save") > 0;
  if (auto v = Opt(vm, "applyconfig")) so.applyconfig = *v;
  if (auto v = Opt(vm, "setmode"); v && *v != "restart" && *v != "ignore") {
    return Bad("setmode", *v, "expected restart or ignore");
  }
  if (vm.count("bindmount_add")) {
    so.bindmount_add = vm["bindmount_add"].as<std::vector<std::string>>();
  }
  if (vm.count("bindmount_del")) {
    so.bindmount_del = vm["bindmount_del"].as<std::vector<std::string>>();
  }
  so.net_edits = std::move(net.edits);
  so.userpasswd = std::move(net.userpasswd);
  if (changes.empty() && so.applyconfig.empty() && so.net_edits.empty() &&
      so.userpasswd.empty() && so.bindmount_add.empty() &&
      so.bindmount_del.empty()) {
    return cli::Usage("nothing to set");
  }
  VZ_ASSIGN_OR_RETURN(SetReport r, ApplySet(ctx.node, ctid, changes, so));
  for (const auto& n : r.notes) cli::Say(ctx, n);
  for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
  if (r.saved) cli::Say(ctx, "Saved parameters for container " + ctid);
  return OkStatus();
}

}  // namespace vz::vzctl
