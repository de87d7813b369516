// vztmpl verify / sign / key / trust (doc/templates.md §4-5).
#include <iostream>

#include "base/file_util.h"
#include "libvz/lock.h"
#include "libvz/template.h"
#include "vzctl/vztmpl/commands.h"

namespace vz::vztmpl {
namespace {

Status Loud(const TemplateVerification& v) {
  if (v.unsigned_allowed) {
    std::cerr << "WARNING: template '" << v.name << "' is NOT TRUSTED ("
              << v.unsigned_reason << "); passed because of --allow-unsigned\n";
  }
  return OkStatus();
}

Status TrustAdd(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("prefix", cli::po::value<std::string>())("all", "");
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"key"}));
  VZ_ASSIGN_OR_RETURN(std::string key, cli::Positional(vm, "key", "KEY.pub"));
  if (vm.count("prefix") == vm.count("all")) {
    return cli::Usage(
        "give --prefix PREFIX, or --all to trust the key for "
        "every template");
  }
  std::string prefix = vm.count("prefix") ? vm["prefix"].as<std::string>() : "";
  if (vm.count("prefix") && prefix.empty()) {
    return cli::Usage(
        "an empty --prefix would trust the key for every "
        "template: say --all");
  }
  VZ_ASSIGN_OR_RETURN(std::string pem, ReadFile(key));
  Keyring ring = TemplateStore::ForNode(ctx.node).keyring();
  VZ_ASSIGN_OR_RETURN(TrustedKey k, ring.Add(prefix, pem));
  cli::Say(ctx, "Trusted key " + k.fingerprint + " for " +
                    (prefix.empty() ? "every template"
                                    : "templates '" + prefix + "*'"));
  return OkStatus();
}

Status TrustList(cli::Context& ctx) {
  Keyring ring = TemplateStore::ForNode(ctx.node).keyring();
  VZ_ASSIGN_OR_RETURN(auto keys, ring.List());
  for (const auto& k : keys) {
    std::cout << (k.prefix.empty() ? "*" : k.prefix) << " " << k.fingerprint
              << " " << k.path << "\n";
  }
  return OkStatus();
}

Status TrustRemove(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("prefix", cli::po::value<std::string>());
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"fp"}));
  VZ_ASSIGN_OR_RETURN(std::string fp, cli::Positional(vm, "fp", "FINGERPRINT"));
  Keyring ring = TemplateStore::ForNode(ctx.node).keyring();
  std::string prefix;
  if (vm.count("prefix")) prefix = vm["prefix"].as<std::string>();
  VZ_ASSIGN_OR_RETURN(auto removed,
                      ring.Remove(fp, vm.count("prefix") ? &prefix : nullptr));
  for (const auto& k : removed) cli::Say(ctx, "Removed " + k.path);
  return OkStatus();
}

}  // namespace

Status RunVerify(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("allow-unsigned", "");
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"name"}));
  VZ_ASSIGN_OR_RETURN(std::string name, cli::Positional(vm, "name", "NAME"));
  TemplateStore store = TemplateStore::ForNode(ctx.node);
  VZ_ASSIGN_OR_RETURN(ContainerLock lock, ContainerLock::AcquireTemplate(
                                              ctx.node.lock_dir(), name));
  VZ_ASSIGN_OR_RETURN(
      TemplateVerification v,
      store.Verify(name, {.allow_unsigned = vm.count("allow-unsigned") > 0,
                          .full = true}));
  VZ_RETURN_IF_ERROR(Loud(v));
  cli::Say(ctx, "Template " + name + " is intact" +
                    (v.signer.empty()
                         ? std::string()
                         : ", signed by " + v.signer + " (trusted for '" +
                               v.trusted_prefix + "')"));
  return OkStatus();
}

Status RunSign(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("key", cli::po::value<std::string>());
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"name"}));
  VZ_ASSIGN_OR_RETURN(std::string name, cli::Positional(vm, "name", "NAME"));
  if (!vm.count("key")) return cli::Usage("missing --key PRIVATE.pem");
  VZ_ASSIGN_OR_RETURN(std::string pem, ReadFile(vm["key"].as<std::string>()));
  TemplateStore store = TemplateStore::ForNode(ctx.node);
  VZ_ASSIGN_OR_RETURN(ContainerLock lock, ContainerLock::AcquireTemplate(
                                              ctx.node.lock_dir(), name));
  VZ_RETURN_IF_ERROR(store.Sign(name, pem));
  cli::Say(ctx, "Signed template " + name);
  return OkStatus();
}

Status RunKey(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o;
  o.add_options()("out", cli::po::value<std::string>());
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"action"}));
  VZ_ASSIGN_OR_RETURN(std::string action,
                      cli::Positional(vm, "action", "generate"));
  if (action != "generate")
    return cli::Usage("unknown key action '" + action + "'");
  if (!vm.count("out")) return cli::Usage("missing --out PREFIX");
  const std::string out = vm["out"].as<std::string>();
  VZ_ASSIGN_OR_RETURN(SigningKey key, GenerateSigningKey());
  VZ_RETURN_IF_ERROR(WriteSigningKey(key, out + ".key", out + ".pub"));
  cli::Say(ctx, "Wrote " + out + ".key (private, 0600) and " + out +
                    ".pub; fingerprint " + key.fingerprint);
  return OkStatus();
}

Status RunTrust(cli::Context& ctx, const cli::Args& args) {
  if (args.empty()) return cli::Usage("trust needs add, list or remove");
  cli::Args rest(args.begin() + 1, args.end());
  if (args[0] == "add") return TrustAdd(ctx, rest);
  if (args[0] == "list") return TrustList(ctx);
  if (args[0] == "remove") return TrustRemove(ctx, rest);
  return cli::Usage("unknown trust action '" + args[0] + "'");
}

}  // namespace vz::vztmpl
