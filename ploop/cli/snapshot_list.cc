// ploop snapshot-list: the snapshot tree as a table, as ploop prints it.
#include <iostream>
#include <sstream>

#include "ploop/cli/commands.h"
#include "ploop/snapshot.h"

namespace ploop::cli {
namespace {

struct Field {
  const char* name;
  const char* header;
  size_t width;
  std::string (*value)(const SnapshotEntry&);
};

const Field kFields[] = {
    {"uuid", "UUID", 38,
     [](const SnapshotEntry& e) { return e.guid.ToBraced(); }},
    {"parent_uuid", "PARENT_UUID", 38,
     [](const SnapshotEntry& e) { return e.parent.ToBraced(); }},
    {"current", "C", 1,
     [](const SnapshotEntry& e) { return std::string(e.current ? "*" : ""); }},
    {"fname", "FNAME", 32, [](const SnapshotEntry& e) { return e.file; }},
    {"name", "NAME", 16, [](const SnapshotEntry& e) { return e.name; }},
};

vz::Result<std::vector<const Field*>> Columns(const std::string& spec) {
  std::vector<const Field*> out;
  std::stringstream in(spec);
  for (std::string name; std::getline(in, name, ',');) {
    const Field* found = nullptr;
    for (const auto& f : kFields) {
      if (name == f.name) found = &f;
    }
    if (!found) return Usage("unknown field '" + name + "'");
    out.push_back(found);
  }
  if (out.empty()) return Usage("no fields in '" + spec + "'");
  return out;
}

void PrintRow(const std::vector<const Field*>& cols,
              const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cols.size(); ++i) {
    std::string cell = cells[i];
    if (i + 1 < cols.size()) {
      if (cell.size() < cols[i]->width) cell.resize(cols[i]->width, ' ');
      cell += ' ';
    }
    line += cell;
  }
  std::cout << line << "\n";
}

}  // namespace

vz::Status RunSnapshotList(const Args& args) {
  po::options_description o;
  o.add_options()("no-header,H", po::bool_switch(), "")(
      "output,o",
      po::value<std::string>()->default_value("parent_uuid,current,uuid,fname"),
      "")("uuid,u", po::value<std::string>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"dd"}));
  VZ_ASSIGN_OR_RETURN(std::string dd, DescriptorArg(vm));
  VZ_ASSIGN_OR_RETURN(auto cols, Columns(vm["output"].as<std::string>()));
  std::optional<vz::Uuid> from;
  if (vm.count("uuid")) {
    VZ_ASSIGN_OR_RETURN(from, ParseGuid(vm["uuid"].as<std::string>()));
  }
  VZ_ASSIGN_OR_RETURN(auto entries, ListSnapshots(dd, from));
  if (!vm["no-header"].as<bool>()) {
    std::vector<std::string> headers;
    for (const Field* f : cols) headers.push_back(f->header);
    PrintRow(cols, headers);
  }
  for (const auto& e : entries) {
    std::vector<std::string> cells;
    for (const Field* f : cols) cells.push_back(f->value(e));
    PrintRow(cols, cells);
  }
  return vz::OkStatus();
}

}  // namespace ploop::cli
