// vztmpl build / import.
#include <iostream>

#include "base/size.h"
#include "libvz/template_build.h"
#include "vzctl/vztmpl/commands.h"

namespace vz::vztmpl {
namespace {

ProgressFn Printer(const cli::Context& ctx) {
  if (ctx.quiet) return nullptr;
  return [](std::string_view line) { std::cout << "  " << line << std::endl; };
}

Result<uint64_t> SizeOption(const cli::po::variables_map& vm) {
  if (!vm.count("size")) return uint64_t{0};
  auto s = ParseSize(vm["size"].as<std::string>());
  if (!s.has_value() || *s == 0) {
    return cli::Usage("invalid --size '" + vm["size"].as<std::string>() + "'");
  }
  return *s;
}

void Done(const cli::Context& ctx, const TemplateManifest& m) {
  cli::Say(ctx, "Template " + m.name + " version " + m.version +
                    " is ready (unsigned: 'vztmpl sign " + m.name +
                    " --key KEY' to sign it)");
}

}  // namespace

Status RunBuild(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("name", cli::po::value<std::string>())(
      "size", cli::po::value<std::string>())("version",
                                             cli::po::value<std::string>());
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"recipe"}));
  VZ_ASSIGN_OR_RETURN(std::string name,
                      cli::Positional(vm, "recipe", "RECIPE"));
  VZ_ASSIGN_OR_RETURN(Recipe recipe, LoadRecipe(name));
  BuildOptions b;
  if (vm.count("name")) b.name = vm["name"].as<std::string>();
  if (vm.count("version")) b.version = vm["version"].as<std::string>();
  VZ_ASSIGN_OR_RETURN(b.size, SizeOption(vm));
  b.progress = Printer(ctx);
  cli::Say(ctx, "Building template " + (b.name.empty() ? recipe.name : b.name) +
                    " from " + recipe.dir);
  VZ_ASSIGN_OR_RETURN(TemplateManifest m, BuildTemplate(ctx.node, recipe, b));
  Done(ctx, m);
  return OkStatus();
}

Status RunImport(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("name", cli::po::value<std::string>())(
      "os", cli::po::value<std::string>())("arch",
                                           cli::po::value<std::string>())(
      "size", cli::po::value<std::string>())("version",
                                             cli::po::value<std::string>());
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"file"}));
  VZ_ASSIGN_OR_RETURN(std::string file, cli::Positional(vm, "file", "FILE"));
  if (!vm.count("name")) return cli::Usage("missing --name NAME");
  ImportOptions io;
  io.name = vm["name"].as<std::string>();
  if (vm.count("os")) io.os = vm["os"].as<std::string>();
  if (vm.count("arch")) io.arch = vm["arch"].as<std::string>();
  if (vm.count("version")) io.version = vm["version"].as<std::string>();
  VZ_ASSIGN_OR_RETURN(uint64_t size, SizeOption(vm));
  if (size) io.size = size;
  io.progress = Printer(ctx);
  VZ_ASSIGN_OR_RETURN(TemplateManifest m, ImportTemplate(ctx.node, file, io));
  Done(ctx, m);
  return OkStatus();
}

}  // namespace vz::vztmpl
