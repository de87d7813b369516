// Making OS templates (doc/templates.md §8): `vztmpl build` from a recipe
// in templates/recipes/, `vztmpl import` of an OpenVZ-style precreated
// cache, and removal.
//
// Both build a root filesystem in a scratch directory under the template
// store, clean it of machine identity (SSH host keys, machine-id, random
// seeds), copy it into a fresh ploop image with GPT and ext4, trim it, and
// install image + manifest under <template_dir>/<name>/. A rebuilt template
// gets new files renamed over the old names: containers made from the old
// one keep its inode. The template is unsigned until `vztmpl sign`.
//
// Needs root. Holds the template's lock while it writes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "libvz/node_config.h"
#include "libvz/template.h"

namespace vz {

using ProgressFn = std::function<void(std::string_view)>;

struct Recipe {
  std::string dir;   // templates/recipes/<name>
  std::string name;  // the template's name (NAME)
  std::string os;
  std::string arch;
  uint64_t size = 0;  // the image's disk size (SIZE)
};

// The directory recipes live in: DataDir()/recipes (libvz/util/data_dir.h):
// $VZ_DATA_DIR, an installed PREFIX/share/vz, or the source tree.
std::string RecipesDir();

// Reads `recipe`: a name in RecipesDir() or a path to a recipe directory
// (recipe.conf + an executable `build`). Errors: kNotFound, exit 91, for an
// unknown recipe; kInvalidArgument (85) for a bad recipe.conf.
Result<Recipe> LoadRecipe(std::string_view recipe);

struct BuildOptions {
  std::string name;     // override the recipe's NAME
  uint64_t size = 0;    // override SIZE
  std::string version;  // default: the UTC build time, YYYYMMDD.HHMMSS
  ProgressFn progress;  // one line per step, and the recipe's output
};

// Builds `recipe` into the store. Errors: the recipe's script failing
// (exit 47 with its last line of stderr), ploop and mkfs errors, ENOSPC
// (46). Leaves nothing behind on failure; an existing template of the same
// name is untouched until the new one is complete.
Result<TemplateManifest> BuildTemplate(const NodeConfig& node,
                                       const Recipe& recipe,
                                       const BuildOptions& options);

// Imports `tarball` (.tar.gz, .tar.xz, .tar.zst or .tar: a root filesystem
// as OpenVZ's precreated caches hold it) as template `name`. os/arch are
// taken from a "<os>-<ver>-<arch>" name when not given. Errors: as
// BuildTemplate; an unreadable or non-tar file (47), one without a root
// filesystem in it (no /etc, no init) (47).
struct ImportOptions {
  std::string name;
  std::string os;
  std::string arch;
  uint64_t size = 2ull << 30;
  std::string version;
  ProgressFn progress;
};
Result<TemplateManifest> ImportTemplate(const NodeConfig& node,
                                        const std::string& tarball,
                                        const ImportOptions& options);

// CTIDs whose OSTEMPLATE is `name`.
Result<std::vector<std::string>> ContainersUsingTemplate(const NodeConfig& node,
                                                         std::string_view name);

// Removes template `name`. Containers made from it keep working (their
// base delta is their own link); `force` is needed when some exist, so the
// admin knows new containers cannot be made from it. Errors: kNotFound
// (91); kFailedPrecondition (21) naming the containers without `force`.
Status RemoveTemplate(const NodeConfig& node, std::string_view name,
                      bool force);

}  // namespace vz
