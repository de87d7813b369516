// vzctl snapshot, snapshot-list, -switch, -delete, -mount, -umount
// (doc/snapshots.md).
#include "libvz/snapshot.h"

#include <cstdio>
#include <ctime>
#include <iostream>

#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/lock.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {
namespace {

// The container of the command, locked, and its config.
struct Target {
  ContainerLock lock;
  VeConfig ve;
};

Result<Target> Locked(cli::Context& ctx, const cli::po::variables_map& vm) {
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_ASSIGN_OR_RETURN(ContainerLock lock,
                      ContainerLock::Acquire(ctx.node.lock_dir(), ctid));
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(ctx.node, ctid));
  return Target{std::move(lock), std::move(ve)};
}

Result<Uuid> IdOption(const cli::po::variables_map& vm) {
  if (!vm.count("id")) return cli::Usage("missing --id UUID");
  auto id = Uuid::Parse(vm["id"].as<std::string>());
  if (!id)
    return cli::Usage("invalid --id '" + vm["id"].as<std::string>() + "'");
  return *id;
}

cli::po::options_description IdOptions() {
  cli::po::options_description o;
  o.add_options()("id", cli::po::value<std::string>());
  return o;
}

Result<std::string> Field(const ContainerSnapshot& s, const std::string& f) {
  if (f == "parent_uuid") return s.parent.is_nil() ? "" : s.parent.ToBraced();
  if (f == "current") return std::string(s.current ? "*" : "");
  if (f == "uuid") return s.id.ToBraced();
  if (f == "date") return SnapshotDate(s);
  if (f == "name") return s.name;
  if (f == "description") return s.description;
  return cli::Usage("unknown field '" + f +
                    "' (parent_uuid, current, uuid, date, name, description)");
}

}  // namespace

Status RunSnapshot(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o = IdOptions();
  o.add_options()("name", cli::po::value<std::string>())(
      "description", cli::po::value<std::string>())("skip-config", "")(
      "skip-suspend", "");
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(Target t, Locked(ctx, vm));
  SnapshotSpec spec;
  if (vm.count("id")) {
    VZ_ASSIGN_OR_RETURN(spec.id, IdOption(vm));
  }
  if (vm.count("name")) spec.name = vm["name"].as<std::string>();
  if (vm.count("description")) {
    spec.description = vm["description"].as<std::string>();
  }
  spec.skip_config = vm.count("skip-config") > 0;
  VZ_ASSIGN_OR_RETURN(ContainerSnapshot s,
                      CreateContainerSnapshot(ctx.node, t.ve, spec));
  cli::Say(ctx, std::string(s.online ? "Online snapshot" : "Snapshot") + " " +
                    s.id.ToBraced() + " of container " + t.ve.ctid() +
                    " was created");
  return OkStatus();
}

Status RunSnapshotList(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o = IdOptions();
  o.add_options()("no-header,H", "")("output,o", cli::po::value<std::string>());
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  VZ_ASSIGN_OR_RETURN(VeConfig ve, VeConfig::Load(ctx.node, ctid));
  VZ_ASSIGN_OR_RETURN(auto snaps, ListContainerSnapshots(ctx.node, ve));
  std::vector<std::string> fields = {"parent_uuid", "current", "uuid", "date",
                                     "name"};
  if (vm.count("output")) {
    fields = SplitNonEmpty(vm["output"].as<std::string>(), ',');
  }
  std::optional<Uuid> only;
  if (vm.count("id")) {
    VZ_ASSIGN_OR_RETURN(only, IdOption(vm));
  }
  std::vector<std::vector<std::string>> rows;
  if (!vm.count("no-header")) {
    std::vector<std::string> head;
    for (auto f : fields) {
      for (auto& c : f) c = static_cast<char>(std::toupper(c));
      head.push_back(f == "CURRENT" ? "C" : f);
    }
    rows.push_back(head);
  }
  for (const auto& s : snaps) {
    if (only && s.id != *only) continue;
    std::vector<std::string> row;
    for (const auto& f : fields) {
      VZ_ASSIGN_OR_RETURN(std::string v, Field(s, f));
      row.push_back(v);
    }
    rows.push_back(row);
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      if (i + 1 < row.size()) {
        size_t w = fields[i] == "current"        ? 1
                   : fields[i] == "date"         ? 19
                   : fields[i].ends_with("uuid") ? 38
                                                 : 0;
        if (cell.size() < w) cell.resize(w, ' ');
        cell += ' ';
      }
      line += cell;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
  return OkStatus();
}

Status RunSnapshotSwitch(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o = IdOptions();
  o.add_options()("skip-config", "")("skip-resume", "")("must-resume", "");
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(Uuid id, IdOption(vm));
  // Nothing is ever resumed (--skip-resume holds anyway): a snapshot holds
  // no memory state.
  if (vm.count("must-resume")) {
    return UnimplementedError(
               "--must-resume: snapshots hold no memory state to resume "
               "(checkpointing fails on this kernel); switch without it, "
               "then start the container")
        .WithExitCode(kVzSwitchSnapshot);
  }
  VZ_ASSIGN_OR_RETURN(Target t, Locked(ctx, vm));
  VZ_RETURN_IF_ERROR(CheckNotRunning(ctx, t.ve.ctid()));
  VZ_RETURN_IF_ERROR(
      SwitchContainerSnapshot(ctx.node, t.ve, id, vm.count("skip-config") > 0));
  cli::Say(ctx, "Container " + t.ve.ctid() + " was switched to snapshot " +
                    id.ToBraced());
  return OkStatus();
}

Status RunSnapshotDelete(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, IdOptions(), {"ctid"}));
  VZ_ASSIGN_OR_RETURN(Uuid id, IdOption(vm));
  VZ_ASSIGN_OR_RETURN(Target t, Locked(ctx, vm));
  VZ_RETURN_IF_ERROR(DeleteContainerSnapshot(ctx.node, t.ve, id));
  cli::Say(ctx, "Snapshot " + id.ToBraced() + " was deleted");
  return OkStatus();
}

Status RunSnapshotMount(cli::Context& ctx, const cli::Args& args) {
  cli::po::options_description o = IdOptions();
  o.add_options()("target", cli::po::value<std::string>());
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, o, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(Uuid id, IdOption(vm));
  if (!vm.count("target")) return cli::Usage("missing --target DIR");
  VZ_ASSIGN_OR_RETURN(Target t, Locked(ctx, vm));
  const std::string target = vm["target"].as<std::string>();
  VZ_RETURN_IF_ERROR(MountContainerSnapshot(ctx.node, t.ve, id, target));
  cli::Say(ctx,
           "Snapshot " + id.ToBraced() + " is mounted read-only at " + target);
  return OkStatus();
}

Status RunSnapshotUmount(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, IdOptions(), {"ctid"}));
  VZ_ASSIGN_OR_RETURN(Uuid id, IdOption(vm));
  VZ_ASSIGN_OR_RETURN(Target t, Locked(ctx, vm));
  VZ_RETURN_IF_ERROR(UmountContainerSnapshot(ctx.node, t.ve, id));
  cli::Say(ctx, "Snapshot " + id.ToBraced() + " is unmounted");
  return OkStatus();
}

}  // namespace vz::vzctl
