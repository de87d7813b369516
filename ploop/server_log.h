// What a device server logged that an admin may need after its image is
// unmounted. The server logs to <root>/run/ploop/<id>/server.log, which
// goes with the mount's state directory; its errors and warnings (a full
// host filesystem, a failed write, a dying ring) are kept in the node's
// <root>/var/log/ploop.log, the file upstream ploop logs to.
#pragma once

#include <string>

#include "base/node_root.h"

namespace ploop {

// Appends the "error:" and "warning:" lines of `server_log` (at most the
// last 100, from its last 1 MiB) to <root>/var/log/ploop.log under a line
// naming `descriptor`. Nothing to keep, or a log that cannot be read or
// written, changes nothing: it never fails an unmount.
void KeepServerTrouble(const vz::NodeRoot& node, const std::string& descriptor,
                       const std::string& server_log);

}  // namespace ploop
