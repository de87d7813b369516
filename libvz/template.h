// OS templates (doc/templates.md): names.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace vz {

inline constexpr size_t kMaxTemplateNameLength = 64;

// [a-z0-9][a-z0-9._-]*, at most 64 characters ("debian-12-x86_64").
// Errors: kInvalidArgument, exit 21, naming the value.
Status ValidateTemplateName(std::string_view name);

// An OSTEMPLATE value without OpenVZ's leading '.' (EZ template marker),
// validated. Errors: as ValidateTemplateName.
Result<std::string> NormalizeOsTemplate(std::string_view value);

}  // namespace vz
