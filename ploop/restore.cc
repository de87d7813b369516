#include "ploop/restore.h"

#include <stdlib.h>

#include "base/file_util.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/ops_util.h"

namespace ploop {
namespace {

vz::Status Param(const std::string& why) {
  return vz::InvalidArgumentError(why).WithExitCode(kSysExitParam);
}

std::string RealPath(const std::string& p) {
  char* r = ::realpath(p.c_str(), nullptr);
  std::string out = r ? r : "";
  ::free(r);
  return out;
}

}  // namespace

vz::Status RestoreDescriptor(const std::string& dir,
                             const std::string& base_delta,
                             const RestoreParams& params) {
  std::string dd_path = vz::JoinPath(dir, kDescriptorName);
  if (vz::PathExists(dd_path)) {
    return vz::AlreadyExistsError("restore descriptor: '" + dd_path +
                                  "' already exists")
        .WithExitCode(kSysExitParam);
  }
  std::string path = base_delta.find('/') == std::string::npos
                         ? vz::JoinPath(dir, base_delta)
                         : base_delta;
  std::string real = RealPath(path), real_dir = RealPath(dir);
  if (real.empty()) {
    return vz::NotFoundError("restore descriptor: delta '" + path +
                             "' not found")
        .WithExitCode(kSysExitOpen);
  }
  if (vz::DirName(real) != real_dir) {
    return Param("restore descriptor: delta '" + path +
                 "' is not in directory '" + dir + "'");
  }
  DeltaOpenOptions o;
  o.skip_bat_validation = true;  // a descriptor needs the header only
  std::unique_ptr<Delta> d;
  DeltaType type = params.type.value_or(DeltaType::kCompressed);
  if (type == DeltaType::kPlain) {
    if (params.cluster_sectors == 0)
      return Param("restore descriptor: a raw delta needs -b BLOCKSIZE");
    o.raw_cluster_sectors = params.cluster_sectors;
    VZ_ASSIGN_OR_RETURN(d, Delta::Open(real, DeltaKind::kRaw, o));
    if (d->virtual_bytes() == 0 || d->virtual_bytes() % kSectorSize != 0) {
      return Param("restore descriptor: raw delta '" + path + "' is " +
                   std::to_string(d->virtual_bytes()) +
                   " bytes, not a whole number of sectors");
    }
  } else {
    auto opened = Delta::Open(real, DeltaKind::kExpanded, o);
    if (!opened.has_value()) {
      return std::move(opened).error().WithContext(
          "restore descriptor (a raw delta needs -f raw -b BLOCKSIZE)");
    }
    d = std::move(opened).value();
    if (params.cluster_sectors &&
        params.cluster_sectors != d->cluster_sectors()) {
      return Param("restore descriptor: delta '" + path + "' has blocks of " +
                   std::to_string(d->cluster_sectors()) + " sectors, not " +
                   std::to_string(params.cluster_sectors));
    }
  }
  DiskDescriptor dd;
  dd.blocksize = d->cluster_sectors();
  dd.disk_size_sectors = d->virtual_bytes() / kSectorSize;
  Chs chs = ComputeChs(dd.disk_size_sectors);
  dd.cylinders = chs.cylinders;
  dd.heads = chs.heads;
  dd.sectors = chs.sectors;
  dd.images.push_back({TopDeltaGuid(), type, vz::BaseName(real)});
  dd.shots.push_back({TopDeltaGuid(), vz::Uuid(), false, "", ""});
  dd.top_guid = TopDeltaGuid();
  return WriteDiskDescriptor(dd_path, dd);
}

}  // namespace ploop
