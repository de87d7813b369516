#include "base/node_root.h"

#include <cstdlib>

#include "base/file_util.h"

namespace vz {

Status NodeRoot::ValidatePrefix(std::string_view prefix) {
  bool ok = !prefix.empty() && prefix.size() <= kMaxPrefixLength;
  for (char c : prefix) ok &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  if (!ok) {
    return InvalidArgumentError("invalid node prefix '" + std::string(prefix) +
                                "': expected 1 to 6 characters of [a-z0-9]");
  }
  return OkStatus();
}

Result<NodeRoot> NodeRoot::Make(std::string root, std::string prefix) {
  if (root.empty() || root.front() != '/') {
    return InvalidArgumentError("invalid node root '" + root +
                                "': must be an absolute path");
  }
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  VZ_RETURN_IF_ERROR(ValidatePrefix(prefix));
  return NodeRoot(std::move(root), std::move(prefix));
}

Result<NodeRoot> NodeRoot::FromFlagOrEnv(std::string_view flag_root) {
  if (!flag_root.empty()) return Make(std::string(flag_root));
  if (const char* env = std::getenv("VZ_ROOT"); env && *env) return Make(env);
  return Make("/");
}

Status NodeRoot::set_prefix(std::string prefix) {
  VZ_RETURN_IF_ERROR(ValidatePrefix(prefix));
  prefix_ = std::move(prefix);
  return OkStatus();
}

std::string NodeRoot::Path(std::string_view abs) const {
  if (root_ == "/") return std::string(abs);
  return JoinPath(root_, abs);
}

}  // namespace vz
