// NodeConfig: the node's global config, <root>/etc/vz/vz.conf, with
// defaults for missing keys and every path resolved under the node root
// (doc/config.md §3 lists keys, defaults and units).
//
// Also the one place that knows where the node's files live: container
// configs, samples, keys, locks, the event journal.
//
// A value object, validated when made; thread-safe when not mutated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/log.h"
#include "base/node_root.h"
#include "base/status.h"
#include "libvz/config.h"

namespace vz {

// `pattern` with every "$VEID" and "${VEID}" replaced by `ctid` and
// trailing slashes removed (OpenVZ's VE_ROOT/VE_PRIVATE substitution).
std::string ExpandVeid(std::string_view pattern, std::string_view ctid);

// A node path must be absolute without "." or ".." components, so it
// cannot leave the node root. Errors: kInvalidArgument naming `key`.
Status ValidateNodePath(std::string_view key, std::string_view path);

class NodeConfig {
 public:
  static constexpr std::string_view kPath = "/etc/vz/vz.conf";
  static constexpr uint64_t kIdsPerContainer = 65536;

  // Reads <root>/etc/vz/vz.conf. Errors: kNotFound with exit 10
  // (VZ_NOCONFIG) when it is missing; parse errors (exit 85); an invalid
  // value: kInvalidArgument, exit 85, naming the key, value and file.
  static Result<NodeConfig> Load(const NodeRoot& root);
  // Validates `file` as vz.conf of `root`. Errors: as Load.
  static Result<NodeConfig> FromFile(const NodeRoot& root, ConfigFile file);
  // All defaults (a node without vz.conf, for tests and installers).
  static NodeConfig Defaults(const NodeRoot& root);

  // The node root, with NODE_PREFIX as its prefix.
  const NodeRoot& root() const { return root_; }
  const ConfigFile& file() const { return file_; }

  // VE_ROOT / VE_PRIVATE as written, e.g. "/vz/root/$VEID".
  const std::string& ve_root_pattern() const { return ve_root_; }
  const std::string& ve_private_pattern() const { return ve_private_; }
  // Host paths for container `ctid` under the node root.
  std::string VeRootFor(std::string_view ctid) const;
  std::string VePrivateFor(std::string_view ctid) const;

  std::string template_dir() const { return root_.Path(template_); }
  std::string lock_dir() const { return root_.Path(lock_dir_); }
  std::string conf_dir() const { return root_.Path("/etc/vz/conf"); }
  std::string keys_dir() const { return root_.Path("/etc/vz/keys"); }
  std::string tenants_dir() const { return root_.Path("/etc/vz/tenants"); }
  std::string events_log() const {
    return root_.Path("/var/log/vz/events.log");
  }
  // <conf_dir>/<ctid>.conf and <conf_dir>/ve-<name>.conf-sample.
  std::string ConfigPathFor(std::string_view ctid) const;
  std::string SamplePathFor(std::string_view sample) const;

  // The action log (LOGFILE) under the root; whether to write it (LOGGING).
  std::string log_file() const { return root_.Path(log_file_); }
  bool logging() const { return logging_; }
  LogLevel log_level() const { return log_level_; }

  // CONFIGFILE and DEF_OSTEMPLATE.
  const std::string& default_sample() const { return default_sample_; }
  const std::string& default_ostemplate() const { return default_ostemplate_; }

  // The host ID range for unprivileged containers:
  // [userns_id_base, userns_id_base + userns_id_count).
  uint64_t userns_id_base() const { return userns_id_base_; }
  uint64_t userns_id_count() const { return userns_id_count_; }

 private:
  NodeConfig() = default;
  // Each reads its keys from file_ into the fields; errors name the key.
  Status Validate();
  Status ValidatePaths();
  Status ValidateNames();
  Status ValidateUsernsRange();

  NodeRoot root_;
  ConfigFile file_;
  std::string ve_root_ = "/vz/root/$VEID";
  std::string ve_private_ = "/vz/private/$VEID";
  std::string template_ = "/vz/template";
  std::string lock_dir_ = "/vz/lock";
  std::string log_file_ = "/var/log/vzctl.log";
  bool logging_ = true;
  LogLevel log_level_ = LogLevel::kInfo;
  std::string default_sample_ = "basic";
  std::string default_ostemplate_ = "debian-12-x86_64";
  uint64_t userns_id_base_ = 1000000;
  uint64_t userns_id_count_ = 655360000;
};

}  // namespace vz
