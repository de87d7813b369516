// Helpers shared by the template store's files. Private to libvz.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "libvz/template.h"

namespace vz::tmpl {

// kNotFound, exit 91: "template 'NAME' not found".
Status TemplateNotFound(std::string_view name);
// The template's directory, if `name` is valid and it exists.
Result<std::string> ExistingDir(const TemplateStore& store,
                                std::string_view name);
// The manifest's bytes. Errors: kDataLoss, exit 47, "no manifest" or too
// large; I/O errors.
Result<std::string> ReadManifestText(const std::string& dir);

}  // namespace vz::tmpl
