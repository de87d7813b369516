#include "libvz/net/dist.h"

#include <cstdlib>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/util/data_dir.h"

namespace vz::net {
namespace {

const char* ScriptName(DistAction a) {
  switch (a) {
    case DistAction::kNetwork:
      return "set_network.sh";
    case DistAction::kHostname:
      return "set_hostname.sh";
    case DistAction::kDns:
      return "set_dns.sh";
    case DistAction::kUserPasswd:
      return "set_userpass.sh";
  }
  return "";
}

bool DnsName(const std::string& d) {
  if (d.empty() || d.size() > 253) return false;
  for (const auto& label : Split(d, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-')
      return false;
    for (char c : label) {
      if (!isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
  }
  return true;
}

}  // namespace

std::string DistsDir() { return JoinPath(DataDir(), "dists"); }

Result<std::string> DistScript(const std::string& dir,
                               const std::string& distro, DistAction action) {
  for (const std::string& d : {distro, std::string("generic")}) {
    if (d.empty() || d.find('/') != std::string::npos) continue;
    auto text = ReadFile(JoinPath(JoinPath(dir, d), ScriptName(action)));
    if (text.has_value()) return *text;
  }
  return NotFoundError("no '" + std::string(ScriptName(action)) +
                       "' for distribution '" + distro + "' in '" + dir + "'")
      .WithExitCode(kVzNoDistrConf);
}

std::vector<std::string> NetworkEnv(const NetConfig& c) {
  std::vector<std::string> addrs;
  for (const auto& a : c.routed) addrs.push_back(a.Address());
  std::string netifs;
  for (const auto& n : c.netifs) {
    std::vector<std::string> ips;
    for (const auto& a : n.ips) ips.push_back(a.ToString());
    netifs += n.ifname + " " + (n.dhcp ? "yes" : "no") + " " +
              (n.dhcp6 ? "yes" : "no") + " " + (n.gw ? n.gw->Address() : "-") +
              " " + (n.gw6 ? n.gw6->Address() : "-") + " " +
              (ips.empty() ? "-" : Join(ips, " ")) + "\n";
  }
  return {"VZ_ROUTED=" + Join(addrs, " "), "VZ_NETIFS=" + netifs};
}

std::vector<std::string> HostnameEnv(const std::string& hostname) {
  return {"VZ_HOSTNAME=" + hostname};
}

std::vector<std::string> DnsEnv(const std::vector<std::string>& ns,
                                const std::vector<std::string>& search) {
  return {"VZ_NAMESERVER=" + Join(ns, " "),
          "VZ_SEARCHDOMAIN=" + Join(search, " ")};
}

Result<std::vector<std::string>> ResolveNameservers(
    const std::vector<std::string>& values, const std::string& resolv_conf) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    if (v == "inherit") {
      for (const auto& line : Split(resolv_conf, '\n')) {
        auto words = SplitNonEmpty(line, ' ');
        if (words.size() >= 2 && words[0] == "nameserver")
          out.push_back(words[1]);
      }
      continue;
    }
    auto ip = ParseCidr(v);
    if (!ip.has_value() || v.find('/') != std::string::npos) {
      return InvalidArgumentError("invalid nameserver '" + v + "'")
          .WithExitCode(kVzBadDnsSrv);
    }
    out.push_back(ip->Address());
  }
  return out;
}

Status ValidateSearchDomains(const std::vector<std::string>& domains) {
  for (const auto& d : domains) {
    if (!DnsName(d))
      return InvalidArgumentError("invalid search domain '" + d + "'")
          .WithExitCode(kVzBadDnsSearch);
  }
  return OkStatus();
}

}  // namespace vz::net
