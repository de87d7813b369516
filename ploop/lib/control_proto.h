// The device server's control protocol, version 1 (doc/ploop-control.md).
//
// One request and one response per SOCK_SEQPACKET message, both text:
// the first line is the command (request) or "ok"/"error" (response), each
// further line is "key=value". Values escape backslash and newline.
// Versioned: a client opens with `hello` and both sides use the highest
// version both support, so a newer ploop can drive an older server.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace ploop {

inline constexpr int kControlVersion = 1;
inline constexpr int kControlMinVersion = 1;
inline constexpr size_t kMaxControlMessage = 64 * 1024;

struct ControlMessage {
  std::string head;  // command, or "ok" / "error"
  std::vector<std::pair<std::string, std::string>> fields;

  ControlMessage& Set(std::string key, std::string value) {
    fields.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  std::optional<std::string> Get(std::string_view key) const;
  // The field as an unsigned number. Errors: kInvalidArgument if absent
  // (when `required`) or not a number.
  vz::Result<std::optional<uint64_t>> GetUint(std::string_view key,
                                              bool required = false) const;
};

std::string EncodeControl(const ControlMessage& m);
// Errors: kInvalidArgument (SYSEXIT_PROTOCOL) for oversized or malformed
// messages.
vz::Result<ControlMessage> DecodeControl(std::string_view data);

// The response for an error: code, exit code and message travel as fields.
ControlMessage ErrorResponse(const vz::Status& s);
// Turns an "error" response back into a Status.
vz::Status StatusFromResponse(const ControlMessage& m);

}  // namespace ploop
