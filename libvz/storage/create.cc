// CreateContainer: identity, config from the sample, private area from the
// template, all undone on failure (doc/storage.md §2).
#include <cerrno>

#include "base/file_util.h"
#include "base/reverter.h"
#include "libvz/ctid.h"
#include "libvz/exit_codes.h"
#include "libvz/journal.h"
#include "libvz/lock.h"
#include "libvz/storage.h"
#include "libvz/storage/private_area.h"
#include "libvz/template.h"

namespace vz {
namespace {

constexpr uint64_t kDefaultDiskBytes = 10ull << 30;

// Applies the flags of `spec` to the new config.
Status ApplySpec(const CreateSpec& spec, const std::string& ostemplate,
                 const Uuid& uuid, VeConfig& ve) {
  VZ_RETURN_IF_ERROR(ve.set_ostemplate(ostemplate));
  VZ_RETURN_IF_ERROR(ve.set_uuid(uuid));
  if (spec.name) VZ_RETURN_IF_ERROR(ve.set_name(*spec.name));
  if (spec.hostname) VZ_RETURN_IF_ERROR(ve.set_hostname(*spec.hostname));
  if (spec.tenant) VZ_RETURN_IF_ERROR(ve.set_tenant(*spec.tenant));
  if (spec.diskinodes) VZ_RETURN_IF_ERROR(ve.set_diskinodes(*spec.diskinodes));
  if (spec.userns)
    VZ_RETURN_IF_ERROR(ve.Set("USERNS", *spec.userns ? "yes" : "no"));
  if (spec.diskspace) return ve.set_diskspace(*spec.diskspace);
  VZ_ASSIGN_OR_RETURN(auto from_sample, ve.diskspace());
  if (!from_sample) {
    return ve.set_diskspace({kDefaultDiskBytes, kDefaultDiskBytes});
  }
  return OkStatus();
}

// The bytes the template's image files take: the disk cannot be smaller
// than what is already written to it.
uint64_t TemplateDataBytes(const TemplateManifest& m) {
  uint64_t total = 0;
  for (const auto& f : m.files) {
    if (f.name == storage::kBaseDelta) total += f.size;
  }
  return total;
}

Status CheckDiskspace(const VeConfig& ve, const TemplateVerification& t) {
  VZ_ASSIGN_OR_RETURN(auto disk, ve.diskspace());
  const uint64_t need = TemplateDataBytes(t.manifest);
  if (disk && disk->hard < need) {
    return InvalidArgumentError(
               "diskspace " + std::to_string(disk->hard / 1024) +
               "K is below the " + std::to_string(need / 1024) +
               "K template '" + t.name + "' already holds")
        .WithExitCode(kVzInvalidParameterValue);
  }
  return OkStatus();
}

Status WithDiskFull(Status s) {
  if (!s.ok() && s.sys_errno() == ENOSPC) {
    return std::move(s).WithExitCode(kVzFsNoDiskSpace);
  }
  return s;
}

}  // namespace

Result<CreateReport> CreateContainer(const NodeConfig& node,
                                     const CreateSpec& spec) {
  VZ_RETURN_IF_ERROR(ValidateCtid(spec.ctid));
  VZ_ASSIGN_OR_RETURN(ContainerLock names,
                      ContainerLock::AcquireNames(node.lock_dir()));
  std::optional<std::string_view> name;
  if (spec.name) name = *spec.name;
  VZ_RETURN_IF_ERROR(CheckNewIdentity(node.conf_dir(), spec.ctid, name));
  VZ_ASSIGN_OR_RETURN(ContainerLock lock,
                      ContainerLock::Acquire(node.lock_dir(), spec.ctid));

  VZ_ASSIGN_OR_RETURN(
      std::string ostemplate,
      NormalizeOsTemplate(spec.ostemplate.empty() ? node.default_ostemplate()
                                                  : spec.ostemplate));
  VZ_ASSIGN_OR_RETURN(
      VeConfig ve,
      NewVeConfigFromSample(
          node, spec.ctid,
          spec.sample.empty() ? node.default_sample() : spec.sample));
  VZ_ASSIGN_OR_RETURN(Uuid uuid, NewContainerUuid());
  VZ_RETURN_IF_ERROR(ApplySpec(spec, ostemplate, uuid, ve));
  VZ_ASSIGN_OR_RETURN(std::string private_dir, ve.VePrivate(node));
  if (PathExists(private_dir)) {
    return AlreadyExistsError("private area '" + private_dir +
                              "' already exists")
        .WithExitCode(kVzFsPrvtAreaExist);
  }

  TemplateStore store = TemplateStore::ForNode(node);
  VZ_ASSIGN_OR_RETURN(ContainerLock tlock, ContainerLock::AcquireTemplate(
                                               node.lock_dir(), ostemplate));
  VZ_ASSIGN_OR_RETURN(
      TemplateVerification verified,
      store.Verify(ostemplate, {.allow_unsigned = spec.allow_unsigned}));
  VZ_RETURN_IF_ERROR(CheckDiskspace(ve, verified));
  VZ_RETURN_IF_ERROR(MakeDirs(DirName(private_dir), 0755));

  Reverter undo;
  undo.Add([&] {
    (void)RemoveTree(private_dir);
    (void)store.RecordLinkChange(verified);
  });
  auto area = storage::MakePrivateArea(store.DirOf(ostemplate), ostemplate,
                                       private_dir);
  if (!area.has_value()) {
    return WithDiskFull(std::move(area).error())
        .WithContext("create container '" + spec.ctid + "'");
  }
  if (!area->copied) VZ_RETURN_IF_ERROR(store.RecordLinkChange(verified));
  Status saved = ve.Save(node);
  if (!saved.ok()) return WithDiskFull(std::move(saved));
  undo.Commit();
  (void)AppendEvent(node.events_log(),
                    MakeEvent(spec.ctid, "create", "from " + ostemplate));

  CreateReport report;
  report.ctid = spec.ctid;
  report.uuid = uuid;
  report.ostemplate = ostemplate;
  report.private_dir = private_dir;
  report.copied = area->copied;
  report.notes = std::move(area->notes);
  if (verified.unsigned_allowed)
    report.unsigned_reason = verified.unsigned_reason;
  return report;
}

}  // namespace vz
