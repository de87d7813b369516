// ApplyDistSettings: OpenVZ's SET_HOSTNAME, network and DNS actions at
// start, by the distribution scripts of templates/dists.
#include "libvz/net/dist.h"

#include "base/file_util.h"
#include "libvz/container/internal.h"
#include "libvz/net/net_config.h"
#include "libvz/net/node_net.h"

namespace vz::container {
namespace {

std::string Distro(const VeConfig& ve) {
  if (auto d = ve.Get("DISTRIBUTION"); d && !d->empty()) return *d;
  auto t = ve.ostemplate();
  std::string name = t.has_value() && *t ? **t : "generic";
  return name.substr(0, name.find('-'));
}

// Runs the distribution's script for `action` inside the container; with
// `input`, the script reads it on stdin (passwords never reach argv).
Status RunDist(const NodeConfig& node, VeConfig& ve, pid_t init_pid,
               net::DistAction action, const std::vector<std::string>& env,
               const std::string& input = "") {
  VZ_ASSIGN_OR_RETURN(std::string script,
                      net::DistScript(net::DistsDir(), Distro(ve), action));
  VZ_ASSIGN_OR_RETURN(runtime::Spec spec, SpecFor(node, ve, false));
  VZ_ASSIGN_OR_RETURN(auto cg, OpenCgroup(node, ve));
  runtime::ExecOptions opts{.argv = {"/bin/sh", "-c", script, "vz-dist"}};
  if (!input.empty()) {
    opts.argv = {"/bin/sh", "-c",
                 "printf '%s' \"$VZ_INPUT\" | /bin/sh -c \"$VZ_SCRIPT\"",
                 "vz-dist"};
    opts.env.push_back("VZ_SCRIPT=" + script);
    opts.env.push_back("VZ_INPUT=" + input);
  }
  opts.env.insert(opts.env.end(), env.begin(), env.end());
  VZ_ASSIGN_OR_RETURN(int rc, runtime::Exec(spec, init_pid, *cg, opts));
  if (rc != 0) {
    return InternalError("distribution script for '" + Distro(ve) +
                         "' exited with code " + std::to_string(rc));
  }
  return OkStatus();
}

}  // namespace

Status ApplyHostname(const NodeConfig& node, VeConfig& ve, pid_t init_pid) {
  VZ_ASSIGN_OR_RETURN(auto hostname, ve.hostname());
  if (!hostname) return OkStatus();
  return RunDist(node, ve, init_pid, net::DistAction::kHostname,
                 net::HostnameEnv(*hostname))
      .WithContext("set hostname");
}

Status ApplyNetworkFiles(const NodeConfig& node, VeConfig& ve, pid_t init_pid) {
  VZ_ASSIGN_OR_RETURN(net::NetConfig c, net::NetConfigOf(ve));
  return RunDist(node, ve, init_pid, net::DistAction::kNetwork,
                 net::NetworkEnv(c))
      .WithContext("configure network");
}

Status ApplyDns(const NodeConfig& node, VeConfig& ve, pid_t init_pid) {
  VZ_ASSIGN_OR_RETURN(net::NetConfig c, net::NetConfigOf(ve));
  VZ_ASSIGN_OR_RETURN(
      auto servers, net::ResolveNameservers(c.nameservers, "/etc/resolv.conf"));
  return RunDist(node, ve, init_pid, net::DistAction::kDns,
                 net::DnsEnv(servers, c.searchdomains))
      .WithContext("configure DNS");
}

Status SetUserPasswords(const NodeConfig& node, VeConfig& ve, pid_t init_pid,
                        const std::vector<std::string>& user_passwords) {
  std::string lines;
  for (const auto& up : user_passwords) lines += up + "\n";
  return RunDist(node, ve, init_pid, net::DistAction::kUserPasswd, {}, lines)
      .WithContext("set passwords");
}

Status ApplyDistSettings(const NodeConfig& node, VeConfig& ve, pid_t init_pid) {
  VZ_RETURN_IF_ERROR(ApplyHostname(node, ve, init_pid));
  VZ_ASSIGN_OR_RETURN(net::NetConfig c, net::NetConfigOf(ve));
  if (!c.routed.empty() || !c.netifs.empty()) {
    VZ_RETURN_IF_ERROR(ApplyNetworkFiles(node, ve, init_pid));
  }
  if (!c.nameservers.empty() || !c.searchdomains.empty()) {
    VZ_RETURN_IF_ERROR(ApplyDns(node, ve, init_pid));
  }
  return OkStatus();
}

}  // namespace vz::container
