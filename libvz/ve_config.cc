#include "libvz/ve_config.h"

#include "base/size.h"
#include "base/strings.h"
#include "libvz/ctid.h"
#include "libvz/exit_codes.h"
#include "libvz/template.h"

namespace vz {
namespace {

Status BadValue(std::string_view key, std::string_view value,
                std::string_view why, int exit_code) {
  return InvalidArgumentError("invalid " + std::string(key) + " '" +
                              std::string(value) + "': " + std::string(why))
      .WithExitCode(exit_code);
}

// Splits "soft[:hard]" and parses each half with `parse`; checks
// 0 < soft <= hard.
template <typename Parse>
Result<DiskLimit> ParsePair(std::string_view key, std::string_view text,
                            Parse parse) {
  auto colon = text.find(':');
  std::string_view soft_text = text.substr(0, colon);
  std::string_view hard_text =
      colon == std::string_view::npos ? soft_text : text.substr(colon + 1);
  DiskLimit limit;
  for (auto [part, out] :
       {std::pair{soft_text, &limit.soft}, std::pair{hard_text, &limit.hard}}) {
    auto v = parse(part);
    if (!v) {
      return BadValue(key, text, v.error().message(), kVzInvalidParameterValue);
    }
    *out = *v;
  }
  if (limit.soft == 0) {
    return BadValue(key, text, "must be positive", kVzInvalidParameterValue);
  }
  if (limit.soft > limit.hard) {
    return BadValue(key, text, "soft limit above hard limit",
                    kVzInvalidParameterValue);
  }
  return limit;
}

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

Result<DiskLimit> ParseDiskSpace(std::string_view text) {
  return ParsePair(
      "DISKSPACE", text, [](std::string_view part) -> Result<uint64_t> {
        VZ_ASSIGN_OR_RETURN(uint64_t bytes,
                            ParseSize(part, {.default_unit = kKiB}));
        if (bytes % kKiB != 0) {
          return InvalidArgumentError("not a whole number of 1K blocks");
        }
        return bytes;
      });
}

std::string FormatDiskSpace(const DiskLimit& limit) {
  return std::to_string(limit.soft / kKiB) + ":" +
         std::to_string(limit.hard / kKiB);
}

Result<DiskLimit> ParseDiskInodes(std::string_view text) {
  return ParsePair("DISKINODES", text,
                   [](std::string_view part) { return ParseUint(part); });
}

std::string FormatDiskInodes(const DiskLimit& limit) {
  return std::to_string(limit.soft) + ":" + std::to_string(limit.hard);
}

Status ValidateHostname(std::string_view hostname) {
  auto bad = [&](std::string_view why) {
    return BadValue("hostname", hostname, why, kVzBadHostname);
  };
  if (hostname.empty()) return bad("empty");
  if (hostname.size() > 253) return bad("longer than 253 characters");
  for (const auto& label : Split(hostname, '.')) {
    if (label.empty()) return bad("empty label");
    if (label.size() > 63) return bad("label longer than 63 characters");
    if (label.front() == '-' || label.back() == '-') {
      return bad("label starts or ends with '-'");
    }
    for (char c : label) {
      if (!IsIdChar(c) || c == '_') return bad("expected [A-Za-z0-9.-]");
    }
  }
  return OkStatus();
}

Status ValidateTenantName(std::string_view tenant) {
  bool ok = !tenant.empty() && tenant.size() <= 32 && tenant.front() != '-';
  for (char c : tenant) ok = ok && IsIdChar(c);
  if (ok) return OkStatus();
  return BadValue("tenant", tenant,
                  "expected 1 to 32 of [A-Za-z0-9_-], not starting with '-'",
                  kVzInvalidParameterValue);
}

Status ValidateSampleName(std::string_view sample) {
  bool ok = !sample.empty() && sample.size() <= 64 && sample.front() != '.';
  for (char c : sample) ok = ok && (IsIdChar(c) || c == '.');
  if (ok) return OkStatus();
  return BadValue("config sample", sample,
                  "expected 1 to 64 of [A-Za-z0-9._-], not starting with '.'",
                  kVzInvalidParameterValue);
}

Result<VeConfig> VeConfig::Load(const NodeConfig& node, std::string_view ctid) {
  VZ_RETURN_IF_ERROR(ValidateCtid(ctid));
  std::string path = node.ConfigPathFor(ctid);
  auto file = ConfigFile::Load(path);
  if (!file) {
    if (file.error().code() == Code::kNotFound) {
      return NotFoundError("container config '" + path + "' not found")
          .WithExitCode(kVzNoVeConfig);
    }
    return std::move(file).error();
  }
  return VeConfig(std::string(ctid), std::move(*file));
}

Status VeConfig::Save(const NodeConfig& node) const {
  return file_.Save(node.ConfigPathFor(ctid_), 0644);
}

Status VeConfig::InFile(Status s) const {
  return std::move(s).WithContext("read '" + file_.origin() + "'");
}

Result<std::optional<uint64_t>> VeConfig::version() const {
  auto v = file_.Get("VERSION");
  if (!v) return std::optional<uint64_t>();
  auto n = ParseUint(*v);
  if (!n) {
    return InFile(
        BadValue("VERSION", *v, "expected a number", kVzInvalidParameterValue));
  }
  return std::optional<uint64_t>(*n);
}

Result<std::optional<std::string>> VeConfig::ostemplate() const {
  auto v = file_.Get("OSTEMPLATE");
  if (!v) return std::optional<std::string>();
  auto name = NormalizeOsTemplate(*v);
  if (!name) return InFile(std::move(name).error());
  return std::optional<std::string>(std::move(*name));
}

Result<std::optional<DiskLimit>> VeConfig::diskspace() const {
  auto v = file_.Get("DISKSPACE");
  if (!v) return std::optional<DiskLimit>();
  auto limit = ParseDiskSpace(*v);
  if (!limit) return InFile(std::move(limit).error());
  return std::optional<DiskLimit>(*limit);
}

Result<std::optional<DiskLimit>> VeConfig::diskinodes() const {
  auto v = file_.Get("DISKINODES");
  if (!v) return std::optional<DiskLimit>();
  auto limit = ParseDiskInodes(*v);
  if (!limit) return InFile(std::move(limit).error());
  return std::optional<DiskLimit>(*limit);
}

Result<std::optional<std::string>> VeConfig::hostname() const {
  auto v = file_.Get("HOSTNAME");
  if (!v) return std::optional<std::string>();
  if (Status s = ValidateHostname(*v); !s.ok()) return InFile(std::move(s));
  return v;
}

Result<std::optional<Uuid>> VeConfig::uuid() const {
  auto v = file_.Get("UUID");
  if (!v) return std::optional<Uuid>();
  auto uuid = Uuid::Parse(*v);
  if (!uuid) {
    return InFile(BadValue("UUID", *v, "expected an RFC 4122 UUID",
                           kVzInvalidParameterValue));
  }
  return std::optional<Uuid>(*uuid);
}

Result<std::optional<std::string>> VeConfig::name() const {
  auto v = file_.Get("NAME");
  if (!v) return std::optional<std::string>();
  if (Status s = ValidateContainerName(*v); !s.ok()) {
    return InFile(std::move(s));
  }
  return v;
}

Result<std::string> VeConfig::tenant() const {
  auto v = file_.Get("TENANT");
  if (!v) return std::string(kDefaultTenant);
  if (Status s = ValidateTenantName(*v); !s.ok()) return InFile(std::move(s));
  return *v;
}

Result<std::string> VeConfig::VeRoot(const NodeConfig& node) const {
  std::string pattern = file_.GetOr("VE_ROOT", node.ve_root_pattern());
  if (pattern.empty()) {
    return InvalidArgumentError("VE_ROOT is not set for container '" + ctid_ +
                                "'")
        .WithExitCode(kVzVeRootNotSet);
  }
  if (Status s = ValidateNodePath("VE_ROOT", pattern); !s.ok()) {
    return InFile(std::move(s).WithExitCode(kVzInvalidParameterValue));
  }
  return node.root().Path(ExpandVeid(pattern, ctid_));
}

Result<std::string> VeConfig::VePrivate(const NodeConfig& node) const {
  std::string pattern = file_.GetOr("VE_PRIVATE", node.ve_private_pattern());
  if (pattern.empty()) {
    return InvalidArgumentError("VE_PRIVATE is not set for container '" +
                                ctid_ + "'")
        .WithExitCode(kVzVePrivateNotSet);
  }
  if (Status s = ValidateNodePath("VE_PRIVATE", pattern); !s.ok()) {
    return InFile(std::move(s).WithExitCode(kVzInvalidParameterValue));
  }
  return node.root().Path(ExpandVeid(pattern, ctid_));
}

Status VeConfig::set_ostemplate(std::string_view name) {
  VZ_ASSIGN_OR_RETURN(std::string normal, NormalizeOsTemplate(name));
  return file_.Set("OSTEMPLATE", normal);
}

Status VeConfig::set_diskspace(const DiskLimit& limit) {
  if (limit.soft % kKiB != 0 || limit.hard % kKiB != 0) {
    return BadValue("DISKSPACE",
                    std::to_string(limit.soft) + ":" +
                        std::to_string(limit.hard) + " bytes",
                    "not a whole number of 1K blocks",
                    kVzInvalidParameterValue);
  }
  std::string text = FormatDiskSpace(limit);
  VZ_RETURN_IF_ERROR(ParseDiskSpace(text));
  return file_.Set("DISKSPACE", text);
}

Status VeConfig::set_diskinodes(const DiskLimit& limit) {
  std::string text = FormatDiskInodes(limit);
  VZ_RETURN_IF_ERROR(ParseDiskInodes(text));
  return file_.Set("DISKINODES", text);
}

Status VeConfig::set_hostname(std::string_view hostname) {
  VZ_RETURN_IF_ERROR(ValidateHostname(hostname));
  return file_.Set("HOSTNAME", hostname);
}

Status VeConfig::set_uuid(const Uuid& uuid) {
  if (uuid.is_nil()) {
    return BadValue("UUID", uuid.ToString(), "nil", kVzInvalidParameterValue);
  }
  return file_.Set("UUID", uuid.ToString());
}

Status VeConfig::set_name(std::string_view name) {
  VZ_RETURN_IF_ERROR(ValidateContainerName(name));
  return file_.Set("NAME", name);
}

Status VeConfig::set_tenant(std::string_view tenant) {
  VZ_RETURN_IF_ERROR(ValidateTenantName(tenant));
  return file_.Set("TENANT", tenant);
}

Status VeConfig::set_ve_root(std::string_view pattern) {
  VZ_RETURN_IF_ERROR(ValidateNodePath("VE_ROOT", pattern)
                         .WithExitCode(kVzInvalidParameterValue));
  return file_.Set("VE_ROOT", pattern);
}

Status VeConfig::set_ve_private(std::string_view pattern) {
  VZ_RETURN_IF_ERROR(ValidateNodePath("VE_PRIVATE", pattern)
                         .WithExitCode(kVzInvalidParameterValue));
  return file_.Set("VE_PRIVATE", pattern);
}

Status VeConfig::set_origin_sample(std::string_view sample) {
  VZ_RETURN_IF_ERROR(ValidateSampleName(sample));
  return file_.Set("ORIGIN_SAMPLE", sample);
}

Result<VeConfig> NewVeConfigFromSample(const NodeConfig& node,
                                       std::string_view ctid,
                                       std::string_view sample) {
  VZ_RETURN_IF_ERROR(ValidateCtid(ctid));
  VZ_RETURN_IF_ERROR(ValidateSampleName(sample));
  std::string path = node.SamplePathFor(sample);
  auto file = ConfigFile::Load(path);
  if (!file) {
    if (file.error().code() == Code::kNotFound) {
      return NotFoundError("config sample '" + std::string(sample) +
                           "' not found ('" + path + "')")
          .WithExitCode(kVzApplyConfigError);
    }
    return std::move(file).error();
  }
  file->set_origin(node.ConfigPathFor(ctid));
  // Identity belongs to one container; a sample that carries it must not
  // hand it to every container made from it.
  file->Unset("UUID");
  file->Unset("NAME");
  VeConfig ve(std::string(ctid), std::move(*file));
  VZ_RETURN_IF_ERROR(ve.set_version());
  VZ_RETURN_IF_ERROR(ve.set_origin_sample(sample));
  return ve;
}

}  // namespace vz
