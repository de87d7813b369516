// ApplyDistSettings: OpenVZ's SET_HOSTNAME, network and DNS actions at
// start, by the distribution scripts of templates/dists.
#include "libvz/net/dist.h"

#include "base/file_util.h"
#include "libvz/container/internal.h"
#include "libvz/net/net_config.h"

namespace vz::container {
namespace {

std::string Distro(const VeConfig& ve) {
  if (auto d = ve.Get("DISTRIBUTION"); d && !d->empty()) return *d;
  auto t = ve.ostemplate();
  std::string name = t.has_value() && *t ? **t : "generic";
  return name.substr(0, name.find('-'));
}

Status RunDist(const NodeConfig& node, VeConfig& ve, pid_t init_pid,
               net::DistAction action, const std::vector<std::string>& env) {
  VZ_ASSIGN_OR_RETURN(std::string script,
                      net::DistScript(net::DistsDir(), Distro(ve), action));
  VZ_ASSIGN_OR_RETURN(runtime::Spec spec, SpecFor(node, ve, false));
  VZ_ASSIGN_OR_RETURN(auto cg, OpenCgroup(node, ve));
  runtime::ExecOptions opts{.argv = {"/bin/sh", "-c", script, "vz-dist"}};
  opts.env.insert(opts.env.end(), env.begin(), env.end());
  VZ_ASSIGN_OR_RETURN(int rc, runtime::Exec(spec, init_pid, *cg, opts));
  if (rc != 0) {
    return InternalError("distribution script for '" + Distro(ve) +
                         "' exited with code " + std::to_string(rc));
  }
  return OkStatus();
}

}  // namespace

Status ApplyDistSettings(const NodeConfig& node, VeConfig& ve, pid_t init_pid) {
  VZ_ASSIGN_OR_RETURN(auto hostname, ve.hostname());
  if (hostname) {
    VZ_RETURN_IF_ERROR(RunDist(node, ve, init_pid, net::DistAction::kHostname,
                               net::HostnameEnv(*hostname))
                           .WithContext("set hostname"));
  }
  VZ_ASSIGN_OR_RETURN(
      net::NetConfig c,
      net::ReadNetConfig([&](std::string_view key) { return ve.Get(key); }));
  if (!c.routed.empty() || !c.netifs.empty()) {
    VZ_RETURN_IF_ERROR(RunDist(node, ve, init_pid, net::DistAction::kNetwork,
                               net::NetworkEnv(c))
                           .WithContext("configure network"));
  }
  if (!c.nameservers.empty() || !c.searchdomains.empty()) {
    VZ_ASSIGN_OR_RETURN(auto servers, net::ResolveNameservers(
                                          c.nameservers, "/etc/resolv.conf"));
    VZ_RETURN_IF_ERROR(RunDist(node, ve, init_pid, net::DistAction::kDns,
                               net::DnsEnv(servers, c.searchdomains))
                           .WithContext("configure DNS"));
  }
  return OkStatus();
}

}  // namespace vz::container
