// vztmpl list / info / remove.
#include <sys/stat.h>

#include <cstdio>
#include <iostream>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/ctid.h"
#include "libvz/storage.h"
#include "libvz/template.h"
#include "libvz/template_build.h"
#include "vzctl/vztmpl/commands.h"

namespace vz::vztmpl {
namespace {

uint64_t FileBytes(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// "ed25519:0123456789abcdef" for a trusted signer, else why not.
std::string Signer(const TemplateStore& store, const std::string& name,
                   std::string& version) {
  auto v = store.Verify(name, {.allow_unsigned = true});
  if (!v.has_value()) return "BROKEN";
  version = v->manifest.version;
  if (v->unsigned_allowed) return "unsigned";
  return v->signer.substr(0, 16);
}

// Physical versus logical bytes of the node: what the templates and the
// containers' own deltas take, against what full copies would take.
void PrintNodeSummary(const cli::Context& ctx, uint64_t template_bytes) {
  auto cts = ListContainers(ctx.node.conf_dir());
  if (!cts.has_value()) return;
  uint64_t logical = 0, physical = template_bytes;
  for (const auto& ct : *cts) {
    auto ve = VeConfig::Load(ctx.node, ct.ctid);
    if (!ve.has_value()) continue;
    auto du = ContainerDiskUsage(ctx.node, *ve);
    if (!du.has_value()) continue;
    logical += du->shared_bytes + du->own_bytes;
    physical += du->physical_bytes;
  }
  std::cout << "node: " << cts->size() << " containers, " << cli::Mib(logical)
            << " as full copies, " << cli::Mib(physical)
            << " on disk (templates included)\n";
}

}  // namespace

Status RunList(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("no-header,H", "");
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {}, 0));
  TemplateStore store = TemplateStore::ForNode(ctx.node);
  VZ_ASSIGN_OR_RETURN(auto names, store.List());
  if (!vm.count("no-header")) {
    std::printf("%-28s %-18s %9s %-18s %s\n", "NAME", "VERSION", "SIZE",
                "SIGNER", "CTS");
  }
  uint64_t total = 0;
  for (const auto& n : names) {
    std::string version = "?";
    std::string signer = Signer(store, n, version);
    uint64_t bytes = FileBytes(store.DirOf(n) + "/root.hds");
    total += bytes;
    auto users = ContainersUsingTemplate(ctx.node, n);
    std::printf("%-28s %-18s %9s %-18s %zu\n", n.c_str(), version.c_str(),
                cli::Mib(bytes).c_str(), signer.c_str(),
                users.has_value() ? users->size() : 0);
  }
  if (!vm.count("no-header")) PrintNodeSummary(ctx, total);
  return OkStatus();
}

Status RunInfo(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"name"}));
  VZ_ASSIGN_OR_RETURN(std::string name, cli::Positional(vm, "name", "NAME"));
  TemplateStore store = TemplateStore::ForNode(ctx.node);
  VZ_RETURN_IF_ERROR(ValidateTemplateName(name));
  const std::string path = store.DirOf(name) + "/manifest";
  auto text = ReadFile(path);
  if (!text.has_value()) {
    return NotFoundError("template '" + name + "' not found").WithExitCode(91);
  }
  std::cout << *text;
  std::string version;
  std::cout << "signer " << Signer(store, name, version) << "\n";
  auto users = ContainersUsingTemplate(ctx.node, name);
  if (users.has_value()) {
    std::cout << "containers " << (users->empty() ? "-" : Join(*users, " "))
              << "\n";
  }
  return OkStatus();
}

Status RunRemove(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("force", "");
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"name"}));
  VZ_ASSIGN_OR_RETURN(std::string name, cli::Positional(vm, "name", "NAME"));
  VZ_RETURN_IF_ERROR(RemoveTemplate(ctx.node, name, vm.count("force") > 0));
  cli::Say(ctx, "Template " + name + " was removed");
  return OkStatus();
}

}  // namespace vz::vztmpl
