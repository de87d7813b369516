// Recipes, imports and removal of templates (doc/templates.md §8).
#include <unistd.h>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "libvz/config.h"
#include "libvz/ctid.h"
#include "libvz/exit_codes.h"
#include "libvz/lock.h"
#include "libvz/template/build_internal.h"
#include "libvz/template_build.h"
#include "libvz/util/data_dir.h"
#include "libvz/ve_config.h"

namespace vz {
namespace {

Status BadRecipe(const std::string& path, const std::string& why) {
  return InvalidArgumentError("recipe '" + path + "': " + why)
      .WithExitCode(kVzInvalidConfig);
}

Result<std::string> Required(const ConfigFile& conf, const std::string& path,
                             const char* key) {
  auto v = conf.Get(key);
  if (!v || v->empty()) return BadRecipe(path, std::string("no ") + key);
  return *v;
}

// Runs the recipe's `build ROOTFS`, its output as progress lines.
Status RunRecipe(const Recipe& r, const std::string& rootfs,
                 const ProgressFn& progress) {
  SubprocessOptions o;
  o.timeout = std::chrono::hours(2);
  o.on_stdout_line = [&](std::string_view line) {
    if (!progress) return;
    if (line.starts_with("progress: ")) line.remove_prefix(10);
    progress(line);
  };
  if (progress) progress("running recipe '" + r.dir + "'");
  auto run = RunChecked({r.dir + "/build", rootfs}, o);
  if (!run.has_value()) {
    return std::move(run)
        .error()
        .WithContext("recipe '" + r.name + "'")
        .WithExitCode(kVzFsBadTmpl);
  }
  return OkStatus();
}

// A precreated cache must hold a root filesystem.
Status CheckRootfs(const std::string& rootfs, const std::string& tarball) {
  if (!PathExists(rootfs + "/etc") ||
      (!PathExists(rootfs + "/sbin/init") && !PathExists(rootfs + "/bin/sh"))) {
    return InvalidArgumentError("'" + tarball +
                                "' holds no root filesystem (no /etc, or no "
                                "/sbin/init and no /bin/sh)")
        .WithExitCode(kVzFsBadTmpl);
  }
  return OkStatus();
}

}  // namespace

std::string RecipesDir() { return JoinPath(DataDir(), "recipes"); }

Result<Recipe> LoadRecipe(std::string_view recipe) {
  Recipe r;
  r.dir = recipe.find('/') == std::string_view::npos
              ? JoinPath(RecipesDir(), recipe)
              : std::string(recipe);
  const std::string conf_path = r.dir + "/recipe.conf";
  if (!PathExists(conf_path)) {
    return NotFoundError("no recipe '" + std::string(recipe) +
                         "' (looked for '" + conf_path + "')")
        .WithExitCode(kVzPkgSetNotFound);
  }
  if (::access((r.dir + "/build").c_str(), X_OK) != 0) {
    return BadRecipe(r.dir, "no executable 'build'");
  }
  VZ_ASSIGN_OR_RETURN(ConfigFile conf, ConfigFile::Load(conf_path));
  VZ_ASSIGN_OR_RETURN(r.name, Required(conf, r.dir, "NAME"));
  VZ_RETURN_IF_ERROR(ValidateTemplateName(r.name));
  VZ_ASSIGN_OR_RETURN(r.os, Required(conf, r.dir, "OS"));
  VZ_ASSIGN_OR_RETURN(r.arch, Required(conf, r.dir, "ARCH"));
  VZ_ASSIGN_OR_RETURN(std::string size, Required(conf, r.dir, "SIZE"));
  auto bytes = ParseSize(size);
  if (!bytes.has_value()) return BadRecipe(r.dir, bytes.error().message());
  r.size = *bytes;
  return r;
}

Result<TemplateManifest> BuildTemplate(const NodeConfig& node,
                                       const Recipe& recipe,
                                       const BuildOptions& options) {
  template_build::TemplateSource src;
  src.name = options.name.empty() ? recipe.name : options.name;
  src.os = recipe.os;
  src.arch = recipe.arch;
  src.version = options.version;
  src.size = options.size ? options.size : recipe.size;
  src.progress = options.progress;
  src.fill = [&](const std::string& rootfs) {
    return RunRecipe(recipe, rootfs, options.progress);
  };
  return template_build::MakeTemplate(node, src);
}

Result<TemplateManifest> ImportTemplate(const NodeConfig& node,
                                        const std::string& tarball,
                                        const ImportOptions& options) {
  if (!PathExists(tarball)) {
    return NotFoundError("no file '" + tarball + "'")
        .WithExitCode(kVzFsBadTmpl);
  }
  template_build::TemplateSource src;
  src.name = options.name;
  // "<os>-<ver>-<arch>": OpenVZ's cache naming.
  auto parts = Split(options.name, '-');
  src.os = !options.os.empty() ? options.os
           : parts.size() >= 3 ? parts[0] + "-" + parts[1]
                               : parts[0];
  src.arch = !options.arch.empty() ? options.arch
             : parts.size() >= 3   ? parts.back()
                                   : "x86_64";
  src.version = options.version;
  src.size = options.size;
  src.progress = options.progress;
  src.fill = [&](const std::string& rootfs) -> Status {
    if (options.progress) options.progress("unpacking '" + tarball + "'");
    auto r =
        RunChecked({"tar", "--numeric-owner", "-xpf", tarball, "-C", rootfs});
    if (!r.has_value()) {
      return std::move(r)
          .error()
          .WithContext("unpack '" + tarball + "'")
          .WithExitCode(kVzFsBadTmpl);
    }
    return CheckRootfs(rootfs, tarball);
  };
  return template_build::MakeTemplate(node, src);
}

Result<std::vector<std::string>> ContainersUsingTemplate(
    const NodeConfig& node, std::string_view name) {
  std::vector<std::string> out;
  VZ_ASSIGN_OR_RETURN(auto cts, ListContainers(node.conf_dir()));
  for (const auto& ct : cts) {
    auto ve = VeConfig::Load(node, ct.ctid);
    if (!ve.has_value()) continue;
    auto t = ve->ostemplate();
    if (t.has_value() && *t && **t == name) out.push_back(ct.ctid);
  }
  return out;
}

Status RemoveTemplate(const NodeConfig& node, std::string_view name,
                      bool force) {
  VZ_RETURN_IF_ERROR(ValidateTemplateName(name));
  TemplateStore store = TemplateStore::ForNode(node);
  VZ_ASSIGN_OR_RETURN(ContainerLock lock,
                      ContainerLock::AcquireTemplate(node.lock_dir(), name));
  const std::string dir = store.DirOf(name);
  if (!PathExists(dir + "/manifest") && !PathExists(dir)) {
    return NotFoundError("template '" + std::string(name) + "' not found")
        .WithExitCode(kVzPkgSetNotFound);
  }
  VZ_ASSIGN_OR_RETURN(auto users, ContainersUsingTemplate(node, name));
  if (!users.empty() && !force) {
    return FailedPreconditionError(
               "template '" + std::string(name) + "' is used by " +
               std::to_string(users.size()) + " container(s) (" +
               Join(users, ", ") +
               "); they keep working, but no new ones can be made from it: "
               "--force removes it")
        .WithExitCode(kVzInvalidParameterValue);
  }
  return RemoveTree(dir);
}

}  // namespace vz
