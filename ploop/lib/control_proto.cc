#include "ploop/lib/control_proto.h"

#include "base/size.h"
#include "ploop/exit_codes.h"

namespace ploop {
namespace {

vz::Status Malformed(const std::string& why) {
  return vz::InvalidArgumentError("malformed control message: " + why)
      .WithExitCode(kSysExitProtocol);
}

std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Unescape(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      out += v[i + 1] == 'n' ? '\n' : v[i + 1];
      ++i;
    } else {
      out += v[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> ControlMessage::Get(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return std::nullopt;
}

vz::Result<std::optional<uint64_t>> ControlMessage::GetUint(
    std::string_view key, bool required) const {
  auto v = Get(key);
  if (!v) {
    if (required) return Malformed("missing '" + std::string(key) + "'");
    return std::optional<uint64_t>();
  }
  auto n = vz::ParseUint(*v);
  if (!n.has_value())
    return Malformed("'" + std::string(key) + "' is not a number");
  return std::optional<uint64_t>(*n);
}

std::string EncodeControl(const ControlMessage& m) {
  std::string out = m.head + "\n";
  for (const auto& [k, v] : m.fields) out += k + "=" + Escape(v) + "\n";
  return out;
}

vz::Result<ControlMessage> DecodeControl(std::string_view data) {
  if (data.size() > kMaxControlMessage) return Malformed("too large");
  ControlMessage m;
  size_t pos = 0;
  bool first = true;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return Malformed("unterminated line");
    std::string_view line = data.substr(pos, nl - pos);
    pos = nl + 1;
    if (first) {
      if (line.empty()) return Malformed("empty command");
      m.head = std::string(line);
      first = false;
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return Malformed("line without key");
    m.fields.emplace_back(std::string(line.substr(0, eq)),
                          Unescape(line.substr(eq + 1)));
  }
  if (first) return Malformed("empty message");
  return m;
}

ControlMessage ErrorResponse(const vz::Status& s) {
  ControlMessage m{"error", {}};
  m.Set("code", std::to_string(static_cast<int>(s.code())));
  m.Set("exit", std::to_string(ExitCodeFor(s)));
  m.Set("message", s.message());
  return m;
}

vz::Status StatusFromResponse(const ControlMessage& m) {
  if (m.head == "ok") return vz::OkStatus();
  if (m.head != "error") return Malformed("unknown response '" + m.head + "'");
  int code = static_cast<int>(vz::Code::kUnknown);
  if (auto c = m.GetUint("code"); c.has_value() && *c && **c <= 16)
    code = static_cast<int>(**c);
  vz::Status s(static_cast<vz::Code>(code),
               m.Get("message").value_or("device server error"));
  if (auto e = m.GetUint("exit"); e.has_value() && *e)
    s.WithExitCode(static_cast<int>(**e));
  return s;
}

}  // namespace ploop
