// What exactly a template signature covers (doc/templates.md §4). Private
// to libvz.
#pragma once

#include <string>
#include <string_view>

namespace vz::tmpl {

// Prepended to the manifest's bytes before signing, so a signature the
// same key made for anything else never verifies as a template's.
inline constexpr std::string_view kSignatureDomain{"vz template manifest\0",
                                                   21};

// kSignatureDomain + the manifest's exact bytes.
std::string SignedMessage(std::string_view manifest_text);

}  // namespace vz::tmpl
