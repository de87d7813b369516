#include "libvz/node_config.h"

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/template.h"
#include "libvz/ve_config.h"

namespace vz {
namespace {

Status BadValue(const ConfigFile& file, std::string_view key,
                std::string_view value, std::string_view why) {
  return InvalidArgumentError("read '" + file.origin() + "': invalid " +
                              std::string(key) + " '" + std::string(value) +
                              "': " + std::string(why))
      .WithExitCode(kVzInvalidConfig);
}

// OpenVZ counts LOG_LEVEL up from 0 (normal) to more detail; names are
// accepted too. base's LogLevel counts the other way, so map here.
Result<LogLevel> ParseNodeLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warning") return LogLevel::kWarning;
  if (text == "error") return LogLevel::kError;
  auto n = ParseUint(text);
  if (!n) return InvalidArgumentError("expected 0..10 or a level name");
  if (*n > 10) return InvalidArgumentError("expected 0..10 or a level name");
  return *n == 0 ? LogLevel::kInfo : LogLevel::kDebug;
}

}  // namespace

std::string ExpandVeid(std::string_view pattern, std::string_view ctid) {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern.substr(i, 7) == "${VEID}") {
      out.append(ctid);
      i += 7;
    } else if (pattern.substr(i, 5) == "$VEID") {
      out.append(ctid);
      i += 5;
    } else {
      out.push_back(pattern[i++]);
    }
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Status ValidateNodePath(std::string_view key, std::string_view path) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("invalid " + std::string(key) + " '" +
                                std::string(path) + "': " + std::string(why));
  };
  if (path.empty() || path.front() != '/') return bad("not an absolute path");
  for (const auto& part : Split(path, '/')) {
    if (part == "." || part == "..") return bad("'.' or '..' in the path");
  }
  return OkStatus();
}

Result<NodeConfig> NodeConfig::Load(const NodeRoot& root) {
  std::string path = root.Path(kPath);
  auto file = ConfigFile::Load(path);
  if (!file) {
    if (file.error().code() == Code::kNotFound) {
      return NotFoundError("global config '" + path + "' not found")
          .WithExitCode(kVzNoConfig);
    }
    return std::move(file).error();
  }
  return FromFile(root, std::move(*file));
}

Result<NodeConfig> NodeConfig::FromFile(const NodeRoot& root, ConfigFile file) {
  NodeConfig c;
  c.root_ = root;
  c.file_ = std::move(file);
  VZ_RETURN_IF_ERROR(c.Validate());
  return c;
}

NodeConfig NodeConfig::Defaults(const NodeRoot& root) {
  NodeConfig c;
  c.root_ = root;
  c.file_.set_origin(root.Path(kPath));
  return c;
}

Status NodeConfig::Validate() {
  VZ_RETURN_IF_ERROR(ValidatePaths());
  VZ_RETURN_IF_ERROR(ValidateNames());
  return ValidateUsernsRange();
}

Status NodeConfig::ValidatePaths() {
  struct PathKey {
    const char* key;
    std::string* field;
  } paths[] = {{"VE_ROOT", &ve_root_},
               {"VE_PRIVATE", &ve_private_},
               {"TEMPLATE", &template_},
               {"LOCKDIR", &lock_dir_},
               {"LOGFILE", &log_file_}};
  for (const auto& p : paths) {
    auto v = file_.Get(p.key);
    if (!v) continue;
    if (Status s = ValidateNodePath(p.key, *v); !s.ok()) {
      return BadValue(file_, p.key, *v,
                      "expected an absolute path without '..'");
    }
    *p.field = *v;
  }
  return OkStatus();
}

Status NodeConfig::ValidateNames() {
  const ConfigFile& f = file_;
  if (auto v = f.Get("NODE_PREFIX")) {
    if (Status s = root_.set_prefix(*v); !s.ok()) {
      return BadValue(f, "NODE_PREFIX", *v, "expected 1 to 6 of [a-z0-9]");
    }
  }
  if (auto v = f.Get("LOGGING")) {
    if (*v != "yes" && *v != "no") return BadValue(f, "LOGGING", *v, "yes|no");
    logging_ = *v == "yes";
  }
  if (auto v = f.Get("LOG_LEVEL")) {
    auto level = ParseNodeLogLevel(*v);
    if (!level) return BadValue(f, "LOG_LEVEL", *v, level.error().message());
    log_level_ = *level;
  }
  if (auto v = f.Get("CONFIGFILE")) {
    if (Status s = ValidateSampleName(*v); !s.ok()) {
      return BadValue(f, "CONFIGFILE", *v, "not a config sample name");
    }
    default_sample_ = *v;
  }
  if (auto v = f.Get("DEF_OSTEMPLATE")) {
    auto name = NormalizeOsTemplate(*v);
    if (!name) return BadValue(f, "DEF_OSTEMPLATE", *v, "not a template name");
    default_ostemplate_ = *name;
  }
  return OkStatus();
}

Status NodeConfig::ValidateUsernsRange() {
  for (auto [key, field] : {std::pair{"USERNS_ID_BASE", &userns_id_base_},
                            std::pair{"USERNS_ID_COUNT", &userns_id_count_}}) {
    if (auto v = file_.Get(key)) {
      auto n = ParseUint(*v);
      if (!n) return BadValue(file_, key, *v, "expected a number");
      *field = *n;
    }
  }
  if (userns_id_base_ < kIdsPerContainer) {
    return BadValue(file_, "USERNS_ID_BASE", std::to_string(userns_id_base_),
                    "below 65536, where the host's own users live");
  }
  if (userns_id_count_ == 0 || userns_id_count_ % kIdsPerContainer != 0) {
    return BadValue(file_, "USERNS_ID_COUNT", std::to_string(userns_id_count_),
                    "expected a positive multiple of 65536");
  }
  // (uid_t)-1 is never a valid ID, so the range ends at or below it.
  constexpr uint64_t kNoId = 4294967295ull;
  if (userns_id_base_ > kNoId || userns_id_count_ > kNoId ||
      userns_id_base_ + userns_id_count_ > kNoId) {
    return BadValue(file_, "USERNS_ID_COUNT", std::to_string(userns_id_count_),
                    "the range passes 4294967295");
  }
  return OkStatus();
}

std::string NodeConfig::VeRootFor(std::string_view ctid) const {
  return root_.Path(ExpandVeid(ve_root_, ctid));
}

std::string NodeConfig::VePrivateFor(std::string_view ctid) const {
  return root_.Path(ExpandVeid(ve_private_, ctid));
}

std::string NodeConfig::ConfigPathFor(std::string_view ctid) const {
  return JoinPath(conf_dir(), std::string(ctid) + ".conf");
}

std::string NodeConfig::SamplePathFor(std::string_view sample) const {
  return JoinPath(conf_dir(), "ve-" + std::string(sample) + ".conf-sample");
}

}  // namespace vz
