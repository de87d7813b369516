// vzlist: list containers and their parameters (doc/vzlist.md), as
// OpenVZ's vzlist: running ones by default, -a all, -S stopped, -H no
// header, -o fields, -s [-]field, -j JSON, -L the fields, -n names.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>

#include "base/node_root.h"
#include "base/strings.h"
#include "libvz/ctid.h"
#include "libvz/exit_codes.h"
#include "vzctl/vzlist/fields.h"

namespace po = boost::program_options;

namespace vz::vzlist {
namespace {

struct Options {
  bool all = false, stopped = false, no_header = false, json = false;
  bool names = false, list_fields = false;
  std::string root, sort;
  std::vector<std::string> fields, ids;
};

int Fail(const Status& s) {
  std::cerr << "vzlist: " << s.message() << "\n";
  return ExitCodeFor(s);
}

Result<Options> ParseArgs(int argc, char** argv) {
  po::options_description d;
  d.add_options()("all,a", "")("stopped,S", "")("no-header,H", "")(
      "json,j", "")("name,n", "")("list,L", "")(
      "output,o", po::value<std::string>())("sort,s", po::value<std::string>())(
      "root", po::value<std::string>())("ids",
                                        po::value<std::vector<std::string>>());
  po::positional_options_description pos;
  pos.add("ids", -1);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(argc, argv).options(d).positional(pos).run(),
        vm);
  } catch (const po::error& e) {
    return InvalidArgumentError(e.what()).WithExitCode(
        kVzInvalidParameterSyntax);
  }
  Options o;
  o.all = vm.count("all");
  o.stopped = vm.count("stopped");
  o.no_header = vm.count("no-header");
  o.json = vm.count("json");
  o.names = vm.count("name");
  o.list_fields = vm.count("list");
  if (vm.count("root")) o.root = vm["root"].as<std::string>();
  if (vm.count("sort")) o.sort = vm["sort"].as<std::string>();
  if (vm.count("ids")) o.ids = vm["ids"].as<std::vector<std::string>>();
  if (vm.count("output")) {
    o.fields = SplitNonEmpty(vm["output"].as<std::string>(), ',');
  } else {
    o.fields = {"ctid", "numproc", "status", "ip",
                o.names ? "name" : "hostname"};
  }
  for (const auto& f : o.fields) {
    if (!FindField(f)) {
      return InvalidArgumentError("unknown field '" + f + "' (vzlist -L)")
          .WithExitCode(kVzInvalidParameterSyntax);
    }
  }
  std::string key = o.sort;
  if (!key.empty() && key[0] == '-') key = key.substr(1);
  if (!key.empty() && !FindField(key)) {
    return InvalidArgumentError("unknown sort field '" + key + "'")
        .WithExitCode(kVzInvalidParameterSyntax);
  }
  return o;
}

void Sort(std::vector<ContainerInfo>& cts, const std::string& spec) {
  if (spec.empty()) return;
  bool desc = spec[0] == '-';
  const Field* f = FindField(desc ? spec.substr(1) : spec);
  std::stable_sort(cts.begin(), cts.end(), [&](const auto& a, const auto& b) {
    auto va = f->get(a), vb = f->get(b);
    if (!va || !vb) return desc ? !!va && !vb : !va && !!vb;
    return desc ? *vb < *va : *va < *vb;
  });
}

int Run(int argc, char** argv) {
  auto o = ParseArgs(argc, argv);
  if (!o.has_value()) return Fail(o.error());
  if (o->list_fields) {
    for (const auto& f : Fields()) std::cout << f.name << "\n";
    return 0;
  }
  auto root = NodeRoot::FromFlagOrEnv(o->root);
  if (!root.has_value()) return Fail(root.error());
  auto node = NodeConfig::Load(*root);
  if (!node.has_value()) return Fail(node.error());
  std::vector<std::string> ids;
  if (!o->ids.empty()) {
    for (const auto& a : o->ids) {
      auto ctid = ResolveContainer(node->conf_dir(), a);
      if (!ctid.has_value()) return Fail(ctid.error());
      ids.push_back(*ctid);
    }
  } else {
    auto all = ListContainers(node->conf_dir());
    if (!all.has_value()) return Fail(all.error());
    for (const auto& c : *all) {
      if (!c.problem.ok()) {
        // The others are listed; this one is named, not hidden.
        std::cerr << "vzlist: container " << c.ctid
                  << " is left out: " << c.problem.message() << "\n";
        continue;
      }
      ids.push_back(c.ctid);
    }
  }
  std::vector<ContainerInfo> cts;
  for (const auto& id : ids) {
    auto info = CollectContainerInfo(*node, id);
    if (!info.has_value()) return Fail(info.error());
    bool explicit_ids = !o->ids.empty();
    if (!explicit_ids && !o->all && (o->stopped == info->running)) continue;
    cts.push_back(std::move(*info));
  }
  Sort(cts, o->sort);
  std::vector<const Field*> fields;
  for (const auto& f : o->fields) fields.push_back(FindField(f));
  if (o->json) {
    PrintJson(std::cout, cts, fields);
  } else {
    PrintTable(std::cout, cts, fields, !o->no_header);
  }
  return 0;
}

}  // namespace
}  // namespace vz::vzlist

int main(int argc, char** argv) { return vz::vzlist::Run(argc, argv); }
