#include "libvz/exit_codes.h"
#include "libvz/template.h"

namespace vz {

Status ValidateTemplateName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("invalid template name '" + std::string(name) +
                                "': " + std::string(why))
        .WithExitCode(kVzInvalidParameterValue);
  };
  if (name.empty()) return bad("empty");
  if (name.size() > kMaxTemplateNameLength) {
    return bad("longer than 64 characters");
  }
  auto lower_or_digit = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!lower_or_digit(name.front())) return bad("expected [a-z0-9] first");
  for (char c : name) {
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') {
      return bad("expected [a-z0-9._-]");
    }
  }
  return OkStatus();
}

Result<std::string> NormalizeOsTemplate(std::string_view value) {
  std::string_view name = value;
  if (!name.empty() && name.front() == '.') name.remove_prefix(1);
  if (Status s = ValidateTemplateName(name); !s.ok()) {
    // Name the value as the user wrote it.
    return ValidateTemplateName(value);
  }
  return std::string(name);
}

}  // namespace vz
