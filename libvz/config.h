// ConfigFile: an OpenVZ shell-style config file (`KEY="value"` lines), the
// format of vz.conf, <CTID>.conf, the ve-*.conf-sample plans and tenant
// confs. doc/config.md §1 states the syntax.
//
// Parse + Format is an exact round trip: comments, blank lines, order,
// quoting style, `export`, trailing comments and a missing final newline
// all survive. Set() rewrites a key's line in place (or appends a new
// `KEY="value"` line), Unset() removes it; untouched lines keep their bytes.
// Unknown keys are kept. The last assignment of a key wins, as in the shell.
//
// A value object; not thread-safe when mutated.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace vz {

namespace config {
struct LineParts;
}

class ConfigFile {
 public:
  // Larger files are refused: hostile input must not exhaust memory.
  static constexpr size_t kMaxSize = 1 << 20;

  ConfigFile();  // empty, origin "<new>"
  ConfigFile(const ConfigFile&);
  ConfigFile(ConfigFile&&) noexcept;
  ConfigFile& operator=(const ConfigFile&);
  ConfigFile& operator=(ConfigFile&&) noexcept;
  ~ConfigFile();

  // Parses `text`; `origin` (usually the path) names it in errors.
  // Errors: kInvalidArgument with exit code 85 (VZ_INVALID_CONFIG), message
  // "parse '<origin>' line <n>: <reason>" (doc/config.md lists reasons).
  static Result<ConfigFile> Parse(std::string_view text, std::string origin);

  // Reads and parses `path`. Errors: as Parse; a missing file is
  // kNotFound (callers set the exit code that fits: 10, 14, 109).
  static Result<ConfigFile> Load(const std::string& path);

  // The file's text: the exact input bytes where nothing changed.
  std::string Format() const;

  // Writes Format() atomically (temporary file, fsync, rename) with `mode`.
  // Errors: as WriteFileAtomic.
  Status Save(const std::string& path, mode_t mode = 0644) const;

  const std::string& origin() const { return origin_; }
  void set_origin(std::string origin) { origin_ = std::move(origin); }

  bool Has(std::string_view key) const { return Get(key).has_value(); }
  // The effective (last) value of `key`, decoded.
  std::optional<std::string> Get(std::string_view key) const;
  std::string GetOr(std::string_view key, std::string_view fallback) const;

  // Sets `key` to `value` (doc/config.md §1, "Meaning and editing").
  // Errors: kInvalidArgument, exit 21, for a bad key name or a value with
  // LF or NUL.
  Status Set(std::string_view key, std::string_view value);
  // Removes every assignment of `key`; false if there was none.
  bool Unset(std::string_view key);

  // Keys in order of first appearance, each once.
  std::vector<std::string> Keys() const;
  // (key, effective value) in the order of Keys().
  std::vector<std::pair<std::string, std::string>> Entries() const;

  // `[A-Za-z_][A-Za-z0-9_]*`, at most 128 characters. Errors:
  // kInvalidArgument, exit 21, naming the key.
  static Status ValidateKey(std::string_view key);

 private:
  struct Line;
  // The index of the last assignment of `key` in lines_, or -1.
  int FindLast(std::string_view key) const;

  std::string origin_;
  std::vector<Line> lines_;
  bool final_newline_ = true;
};

}  // namespace vz
