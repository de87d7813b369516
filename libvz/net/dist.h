// Per-distribution settings inside a container (doc/network.md §5): the
// scripts in templates/dists/<distro>/ (falling back to
// templates/dists/generic/) and the environment vz gives them. The runtime
// runs a script inside the container (`sh -s` with the script on stdin);
// tests run it on a directory tree (VZ_ROOT_DIR).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "libvz/net/net_config.h"

namespace vz::net {

enum class DistAction { kNetwork, kHostname, kDns, kUserPasswd };

// Where the dists live: DataDir()/dists (libvz/util/data_dir.h).
std::string DistsDir();
// The script text for `action` on `distro` ("debian", "busybox", ...).
// Errors: kNotFound (exit 107, VZ_NO_DISTR_CONF) when neither the distro
// nor generic has it.
Result<std::string> DistScript(const std::string& dists_dir,
                               const std::string& distro, DistAction action);

// "KEY=value" environments of the scripts.
std::vector<std::string> NetworkEnv(const NetConfig& c);
std::vector<std::string> HostnameEnv(const std::string& hostname);
std::vector<std::string> DnsEnv(const std::vector<std::string>& nameservers,
                                const std::vector<std::string>& searchdomains);

// NAMESERVER values with "inherit" replaced by the node's own servers
// (from `resolv_conf`, the node's /etc/resolv.conf). Errors: a value that
// is neither "inherit" nor an IP address (exit 72, VZ_BADDNSSRV).
Result<std::vector<std::string>> ResolveNameservers(
    const std::vector<std::string>& values, const std::string& resolv_conf);
// SEARCHDOMAIN values checked as DNS names (exit 73, VZ_BADDNSSEARCH).
Status ValidateSearchDomains(const std::vector<std::string>& domains);

}  // namespace vz::net
