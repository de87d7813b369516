// The sd_notify message format, as the monitor reads it from a container's
// init (doc/runtime.md §4): newline-separated VAR=VALUE assignments in one
// datagram.
#pragma once

#include <string_view>

namespace vz::monitor {

// Whether one of the message's lines is exactly "READY=1" (systemd's
// startup has finished). "READY=0", "XREADY=1" or a value with spaces do
// not count.
bool SaysReady(std::string_view msg);

}  // namespace vz::monitor
