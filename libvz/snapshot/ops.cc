// Container snapshots over ploop's (doc/snapshots.md).
#include "ploop/ops.h"

#include <unistd.h>

#include <algorithm>

#include "base/file_util.h"
#include "libvz/exit_codes.h"
#include "libvz/journal.h"
#include "libvz/snapshot.h"
#include "libvz/snapshot/snapshots_xml.h"
#include "libvz/storage.h"
#include "libvz/util/rfc3339.h"
#include "ploop/disk_descriptor.h"
#include "ploop/mount.h"

namespace vz {
namespace {

using snapshot::Record;

struct Paths {
  std::string dd;    // the disk's DiskDescriptor.xml
  std::string xml;   // Snapshots.xml
  std::string dump;  // where config copies go
};

Result<Paths> PathsOf(const NodeConfig& node, const VeConfig& ve) {
  Paths p;
  VZ_ASSIGN_OR_RETURN(p.dd, DiskDescriptorOf(node, ve));
  VZ_ASSIGN_OR_RETURN(std::string priv, ve.VePrivate(node));
  p.xml = priv + "/Snapshots.xml";
  p.dump = priv + "/dump";
  return p;
}

std::string ConfigCopy(const Paths& p, const Uuid& id) {
  return p.dump + "/" + id.ToBraced() + ".ve.conf";
}

// The read-only view of snapshot `id`: a descriptor beside the disk's whose
// top is the snapshot.
std::string ViewDescriptor(const Paths& p, const Uuid& id) {
  return DirName(p.dd) + "/DiskDescriptor.snap-" + id.ToString() + ".xml";
}

Status UnknownSnapshot(const VeConfig& ve, const Uuid& id) {
  return NotFoundError("container '" + ve.ctid() + "' has no snapshot " +
                       id.ToBraced())
      .WithExitCode(kVzInvalidParameterValue);
}

std::vector<Record>::iterator Find(std::vector<Record>& rs, const Uuid& id) {
  return std::find_if(rs.begin(), rs.end(),
                      [&](const Record& r) { return r.guid == id; });
}

ContainerSnapshot ToSnapshot(const Record& r) {
  ContainerSnapshot s;
  s.id = r.guid;
  s.parent = r.parent;
  s.current = r.current;
  s.name = r.name;
  s.description = r.description;
  s.created = r.created;
  return s;
}

Status CopyFile(const std::string& from, const std::string& to) {
  VZ_ASSIGN_OR_RETURN(std::string text, ReadFile(from));
  return WriteFileAtomic(to, text, 0600);
}

void Journal(const NodeConfig& node, const VeConfig& ve, const char* event,
             const Uuid& id) {
  (void)AppendEvent(node.events_log(),
                    MakeEvent(ve.ctid(), event, id.ToBraced()));
}

}  // namespace

std::string SnapshotDate(const ContainerSnapshot& s) {
  return util::FormatUtc(s.created, "%Y-%m-%d %H:%M:%S");
}

Result<std::vector<ContainerSnapshot>> ListContainerSnapshots(
    const NodeConfig& node, const VeConfig& ve) {
  VZ_ASSIGN_OR_RETURN(Paths p, PathsOf(node, ve));
  VZ_ASSIGN_OR_RETURN(auto records, snapshot::ReadSnapshotsXml(p.xml));
  std::vector<ContainerSnapshot> out;
  for (const auto& r : records) out.push_back(ToSnapshot(r));
  return out;
}

Result<ContainerSnapshot> CreateContainerSnapshot(const NodeConfig& node,
                                                  const VeConfig& ve,
                                                  const SnapshotSpec& spec) {
  VZ_ASSIGN_OR_RETURN(Paths p, PathsOf(node, ve));
  VZ_ASSIGN_OR_RETURN(auto records, snapshot::ReadSnapshotsXml(p.xml));
  Uuid id;
  if (spec.id) {
    id = *spec.id;
  } else {
    VZ_ASSIGN_OR_RETURN(id, Uuid::Generate());
  }
  if (Find(records, id) != records.end()) {
    return AlreadyExistsError("snapshot " + id.ToBraced() + " already exists")
        .WithExitCode(kVzInvalidParameterValue);
  }
  if (!spec.skip_config) {
    VZ_RETURN_IF_ERROR(MakeDirs(p.dump, 0700));
    VZ_RETURN_IF_ERROR(
        CopyFile(node.ConfigPathFor(ve.ctid()), ConfigCopy(p, id)));
  }
  ploop::SnapshotParams sp;
  sp.guid = id;
  sp.name = spec.name;
  sp.description = spec.description;
  auto taken = ploop::SnapshotImage(node.root(), p.dd, sp);
  if (!taken.has_value()) {
    ::unlink(ConfigCopy(p, id).c_str());
    return std::move(taken)
        .error()
        .WithContext("snapshot container '" + ve.ctid() + "'")
        .WithExitCode(kVzCreateSnapshot);
  }
  Record r;
  r.guid = id;
  r.current = true;
  r.name = spec.name;
  r.description = spec.description;
  r.created = std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now());
  for (auto& o : records) {
    if (o.current) r.parent = o.guid;
    o.current = false;
  }
  records.push_back(r);
  if (Status s = snapshot::WriteSnapshotsXml(p.xml, records); !s.ok()) {
    // Undo: merging the new snapshot away keeps every byte written.
    (void)ploop::DeleteImageSnapshot(node.root(), p.dd, id);
    ::unlink(ConfigCopy(p, id).c_str());
    return s;
  }
  Journal(node, ve, "snapshot", id);
  ContainerSnapshot out = ToSnapshot(r);
  out.online = taken->online;
  return out;
}

Status SwitchContainerSnapshot(const NodeConfig& node, const VeConfig& ve,
                               const Uuid& id, bool skip_config) {
  VZ_ASSIGN_OR_RETURN(Paths p, PathsOf(node, ve));
  VZ_ASSIGN_OR_RETURN(auto records, snapshot::ReadSnapshotsXml(p.xml));
  if (Find(records, id) == records.end()) return UnknownSnapshot(ve, id);
  VZ_ASSIGN_OR_RETURN(auto m, ploop::FindMount(node.root(), p.dd));
  if (m) {
    return FailedPreconditionError("container '" + ve.ctid() +
                                   "' is mounted: stop and unmount it to "
                                   "switch to a snapshot")
        .WithExitCode(kVzFsMounted);
  }
  Status s = ploop::SwitchImageSnapshot(node.root(), p.dd, id);
  if (!s.ok()) return std::move(s).WithExitCode(kVzCreateSnapshot);
  if (!skip_config && PathExists(ConfigCopy(p, id))) {
    VZ_RETURN_IF_ERROR(
        CopyFile(ConfigCopy(p, id), node.ConfigPathFor(ve.ctid())));
  }
  for (auto& r : records) r.current = r.guid == id;
  VZ_RETURN_IF_ERROR(snapshot::WriteSnapshotsXml(p.xml, records));
  Journal(node, ve, "snapshot-switch", id);
  return OkStatus();
}

Status DeleteContainerSnapshot(const NodeConfig& node, const VeConfig& ve,
                               const Uuid& id) {
  VZ_ASSIGN_OR_RETURN(Paths p, PathsOf(node, ve));
  VZ_ASSIGN_OR_RETURN(auto records, snapshot::ReadSnapshotsXml(p.xml));
  auto it = Find(records, id);
  if (it == records.end()) return UnknownSnapshot(ve, id);
  VZ_ASSIGN_OR_RETURN(auto view,
                      ploop::FindMount(node.root(), ViewDescriptor(p, id)));
  if (view) {
    return FailedPreconditionError("snapshot " + id.ToBraced() +
                                   " is mounted at '" + view->mount_point +
                                   "': snapshot-umount it first")
        .WithExitCode(kVzFsMounted);
  }
  auto deleted = ploop::DeleteImageSnapshot(node.root(), p.dd, id);
  if (!deleted.has_value()) {
    return std::move(deleted).error().WithExitCode(kVzDeleteSnapshot);
  }
  const Record gone = *it;
  records.erase(it);
  for (auto& r : records) {
    if (r.parent == id) r.parent = gone.parent;
    if (gone.current && r.guid == gone.parent) r.current = true;
  }
  VZ_RETURN_IF_ERROR(snapshot::WriteSnapshotsXml(p.xml, records));
  ::unlink(ConfigCopy(p, id).c_str());
  Journal(node, ve, "snapshot-delete", id);
  return OkStatus();
}

Status MountContainerSnapshot(const NodeConfig& node, const VeConfig& ve,
                              const Uuid& id, const std::string& target) {
  VZ_ASSIGN_OR_RETURN(Paths p, PathsOf(node, ve));
  VZ_ASSIGN_OR_RETURN(auto records, snapshot::ReadSnapshotsXml(p.xml));
  if (Find(records, id) == records.end()) return UnknownSnapshot(ve, id);
  const std::string view = ViewDescriptor(p, id);
  VZ_ASSIGN_OR_RETURN(auto m, ploop::FindMount(node.root(), view));
  if (m) {
    return AlreadyExistsError("snapshot " + id.ToBraced() +
                              " is already mounted at '" + m->mount_point + "'")
        .WithExitCode(kVzFsMounted);
  }
  VZ_ASSIGN_OR_RETURN(ploop::DiskDescriptor dd,
                      ploop::ReadDiskDescriptor(p.dd));
  dd.top_guid = id;
  VZ_RETURN_IF_ERROR(ploop::WriteDiskDescriptor(view, dd));
  VZ_RETURN_IF_ERROR(MakeDirs(target, 0755));
  ploop::MountOptions o;
  o.read_only = true;
  o.mount_point = target;
  o.fs_options = "noload";  // a read-only view replays no journal
  auto mounted = ploop::Mount(node.root(), view, o);
  if (!mounted.has_value()) {
    ::unlink(view.c_str());
    return std::move(mounted).error().WithExitCode(kVzFsCantMount);
  }
  return OkStatus();
}

Status UmountContainerSnapshot(const NodeConfig& node, const VeConfig& ve,
                               const Uuid& id) {
  VZ_ASSIGN_OR_RETURN(Paths p, PathsOf(node, ve));
  const std::string view = ViewDescriptor(p, id);
  VZ_ASSIGN_OR_RETURN(auto m, ploop::FindMount(node.root(), view));
  if (!m) {
    return FailedPreconditionError("snapshot " + id.ToBraced() +
                                   " is not mounted")
        .WithExitCode(kVzFsNotMounted);
  }
  Status s = ploop::Umount(node.root(), view);
  if (!s.ok()) return std::move(s).WithExitCode(kVzFsCantUmount);
  ::unlink(view.c_str());
  return OkStatus();
}

}  // namespace vz
