// vzctl create CTID --ostemplate NAME [...] (doc/vzctl.md).
#include <iostream>

#include "libvz/storage.h"
#include "libvz/ve_config.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {
namespace {

Result<std::optional<DiskLimit>> DiskOption(
    const cli::po::variables_map& vm, const char* key,
    Result<DiskLimit> (*parse)(std::string_view)) {
  if (!vm.count(key)) return std::optional<DiskLimit>();
  VZ_ASSIGN_OR_RETURN(DiskLimit d, parse(vm[key].as<std::string>()));
  return std::optional<DiskLimit>(d);
}

std::optional<std::string> Opt(const cli::po::variables_map& vm,
                               const char* key) {
  if (!vm.count(key)) return std::nullopt;
  return vm[key].as<std::string>();
}

Result<std::optional<bool>> UsernsOption(const cli::po::variables_map& vm) {
  auto v = Opt(vm, "userns");
  if (!v) return std::optional<bool>();
  if (*v == "yes") return std::optional<bool>(true);
  if (*v == "no") return std::optional<bool>(false);
  return cli::Usage("--userns takes yes or no, not '" + *v + "'");
}

}  // namespace

Status RunCreate(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("ostemplate", cli::po::value<std::string>())(
      "config", cli::po::value<std::string>())("diskspace",
                                               cli::po::value<std::string>())(
      "diskinodes", cli::po::value<std::string>())(
      "hostname", cli::po::value<std::string>())(
      "name", cli::po::value<std::string>())("tenant",
                                             cli::po::value<std::string>())(
      "userns", cli::po::value<std::string>())("allow-unsigned", "");
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"ctid"}));
  CreateSpec spec;
  VZ_ASSIGN_OR_RETURN(spec.ctid, cli::Positional(vm, "ctid", "CTID"));
  ctx.ctid = spec.ctid;
  spec.ostemplate = Opt(vm, "ostemplate").value_or("");
  spec.sample = Opt(vm, "config").value_or("");
  VZ_ASSIGN_OR_RETURN(spec.diskspace,
                      DiskOption(vm, "diskspace", ParseDiskSpace));
  VZ_ASSIGN_OR_RETURN(spec.diskinodes,
                      DiskOption(vm, "diskinodes", ParseDiskInodes));
  spec.hostname = Opt(vm, "hostname");
  spec.name = Opt(vm, "name");
  spec.tenant = Opt(vm, "tenant");
  VZ_ASSIGN_OR_RETURN(spec.userns, UsernsOption(vm));
  spec.allow_unsigned = vm.count("allow-unsigned") > 0;
  cli::Say(ctx, "Creating container private area (" +
                    (spec.ostemplate.empty() ? ctx.node.default_ostemplate()
                                             : spec.ostemplate) +
                    ")");
  VZ_ASSIGN_OR_RETURN(CreateReport r, CreateContainer(ctx.node, spec));
  if (!r.unsigned_reason.empty()) {
    std::cerr << "WARNING: template '" << r.ostemplate << "' is NOT TRUSTED ("
              << r.unsigned_reason << "); used because of --allow-unsigned\n";
  }
  for (const auto& n : r.notes) cli::Say(ctx, n);
  cli::Say(ctx, "Container private area was created");
  cli::Say(ctx, "Container " + r.ctid + " was created (UUID " +
                    r.uuid.ToString() + ")");
  return OkStatus();
}

}  // namespace vz::vzctl
