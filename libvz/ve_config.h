// VeConfig: a container's config, /etc/vz/conf/<CTID>.conf, with typed and
// validated access to the keys templates and storage need (doc/config.md
// §2), over a ConfigFile that keeps everything else byte for byte.
//
// Getters of optional keys return Result<std::optional<T>>: nullopt when
// the key is absent, an error when it is present but invalid (naming the
// key, the value and the file). Setters validate first and write the
// canonical form. Exit codes: 21 (VZ_INVALID_PARAMETER_VALUE) for a bad
// value, 70 (VZ_BADHOSTNAME) for a bad hostname, 131 (VZ_SET_NAME_ERROR) for
// a bad name, 22/23 when VE_ROOT/VE_PRIVATE are set nowhere.
//
// A value object; not thread-safe when mutated. Callers hold the
// container's lock (libvz/lock.h) from Load to Save.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/uuid.h"
#include "libvz/config.h"
#include "libvz/node_config.h"

namespace vz {

// A soft[:hard] pair: bytes for DISKSPACE, inode counts for DISKINODES.
struct DiskLimit {
  uint64_t soft = 0;
  uint64_t hard = 0;
  friend bool operator==(const DiskLimit&, const DiskLimit&) = default;
};

// "soft[:hard]", each a size (plain numbers are 1K blocks; K M G T B
// suffixes), whole 1K blocks, 0 < soft <= hard; one value means soft=hard.
// Errors: kInvalidArgument, exit 21.
Result<DiskLimit> ParseDiskSpace(std::string_view text);
// "soft:hard" in 1K blocks, as OpenVZ writes DISKSPACE.
std::string FormatDiskSpace(const DiskLimit& limit);
// "soft[:hard]" inode counts, 0 < soft <= hard. Errors: as ParseDiskSpace.
Result<DiskLimit> ParseDiskInodes(std::string_view text);
std::string FormatDiskInodes(const DiskLimit& limit);

// RFC 1123 host name (doc/config.md §2). Errors: kInvalidArgument, exit 70.
Status ValidateHostname(std::string_view hostname);
// [A-Za-z0-9_-], 1..32, not starting with '-'. Errors: exit 21.
Status ValidateTenantName(std::string_view tenant);
// A config sample name: [A-Za-z0-9._-], not starting with '.', at most 64.
// Errors: exit 21.
Status ValidateSampleName(std::string_view sample);

class VeConfig {
 public:
  static constexpr std::string_view kVersion = "2";
  static constexpr std::string_view kDefaultTenant = "default";

  VeConfig(std::string ctid, ConfigFile file)
      : ctid_(std::move(ctid)), file_(std::move(file)) {}

  // Reads node.ConfigPathFor(ctid). Errors: invalid CTID (21); kNotFound,
  // exit 14 (VZ_NOVECONFIG), when there is no config; parse errors (85).
  static Result<VeConfig> Load(const NodeConfig& node, std::string_view ctid);
  // Writes node.ConfigPathFor(ctid()) atomically, mode 0644.
  Status Save(const NodeConfig& node) const;

  const std::string& ctid() const { return ctid_; }
  const ConfigFile& file() const { return file_; }
  ConfigFile& file() { return file_; }

  // Generic access to any key (no validation beyond the syntax).
  std::optional<std::string> Get(std::string_view key) const {
    return file_.Get(key);
  }
  Status Set(std::string_view key, std::string_view value) {
    return file_.Set(key, value);
  }
  bool Unset(std::string_view key) { return file_.Unset(key); }

  Result<std::optional<uint64_t>> version() const;
  // OSTEMPLATE without OpenVZ's leading '.'.
  Result<std::optional<std::string>> ostemplate() const;
  Result<std::optional<DiskLimit>> diskspace() const;
  Result<std::optional<DiskLimit>> diskinodes() const;
  Result<std::optional<std::string>> hostname() const;
  Result<std::optional<Uuid>> uuid() const;
  Result<std::optional<std::string>> name() const;
  // TENANT, or "default" when absent.
  Result<std::string> tenant() const;
  std::optional<std::string> origin_sample() const {
    return file_.Get("ORIGIN_SAMPLE");
  }
  // Host paths under the node root: this config's VE_ROOT/VE_PRIVATE, else
  // vz.conf's, with $VEID expanded. Errors: an invalid path (21); exit 22 /
  // 23 when neither file sets it (vz.conf always has defaults).
  Result<std::string> VeRoot(const NodeConfig& node) const;
  Result<std::string> VePrivate(const NodeConfig& node) const;

  Status set_version() { return file_.Set("VERSION", kVersion); }
  Status set_ostemplate(std::string_view name);
  Status set_diskspace(const DiskLimit& limit);
  Status set_diskinodes(const DiskLimit& limit);
  Status set_hostname(std::string_view hostname);
  Status set_uuid(const Uuid& uuid);
  Status set_name(std::string_view name);
  Status set_tenant(std::string_view tenant);
  // Patterns as written, e.g. "/vz/private/$VEID" (ValidateNodePath).
  Status set_ve_root(std::string_view pattern);
  Status set_ve_private(std::string_view pattern);
  Status set_origin_sample(std::string_view sample);

 private:
  // `s` with "read '<file>': " in front, for values read from the file.
  Status InFile(Status s) const;

  std::string ctid_;
  ConfigFile file_;
};

// A new config for container `ctid` from the sample `sample`
// (node.SamplePathFor), comments and all, with ORIGIN_SAMPLE and VERSION
// set. Per-container keys a sample must not carry (UUID, NAME) are dropped.
// Errors: invalid CTID or sample name (21); kNotFound, exit 109
// (VZ_APPLY_CONFIG_ERROR), when the sample is missing; parse errors (85).
Result<VeConfig> NewVeConfigFromSample(const NodeConfig& node,
                                       std::string_view ctid,
                                       std::string_view sample);

}  // namespace vz
