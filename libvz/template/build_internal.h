// What BuildTemplate and ImportTemplate share: a template made from a root
// filesystem that `fill` writes into an empty directory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "libvz/node_config.h"
#include "libvz/template.h"
#include "libvz/template_build.h"

namespace vz::template_build {

struct TemplateSource {
  std::string name, os, arch, version;
  uint64_t size = 0;
  ProgressFn progress;
  std::function<Status(const std::string& rootfs)> fill;
};

// Fills a scratch root filesystem, cleans its identity, lists its packages,
// makes and trims the image, installs it under the template's name and
// writes the manifest, holding the template's lock.
Result<TemplateManifest> MakeTemplate(const NodeConfig& node,
                                      const TemplateSource& src);

}  // namespace vz::template_build
