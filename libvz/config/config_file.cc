// ConfigFile (libvz/config.h): the file as a list of lines, each kept as
// its raw bytes plus its parts; only lines that Set() touched are rebuilt.
#include <cstring>
#include <set>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/config.h"
#include "libvz/config/syntax.h"
#include "libvz/exit_codes.h"

namespace vz {

struct ConfigFile::Line {
  std::string raw;
  config::LineParts parts;
  bool is_assignment() const {
    return parts.kind == config::LineParts::Kind::kAssignment;
  }
};

ConfigFile::ConfigFile() : origin_("<new>") {}
ConfigFile::ConfigFile(const ConfigFile&) = default;
ConfigFile::ConfigFile(ConfigFile&&) noexcept = default;
ConfigFile& ConfigFile::operator=(const ConfigFile&) = default;
ConfigFile& ConfigFile::operator=(ConfigFile&&) noexcept = default;
ConfigFile::~ConfigFile() = default;

namespace {

Status ParseError(const std::string& origin, size_t line,
                  std::string_view why) {
  return InvalidArgumentError("parse '" + origin + "' line " +
                              std::to_string(line) + ": " + std::string(why))
      .WithExitCode(kVzInvalidConfig);
}

Status TooLarge(const std::string& origin) {
  return InvalidArgumentError("parse '" + origin + "': larger than " +
                              std::to_string(ConfigFile::kMaxSize) + " bytes")
      .WithExitCode(kVzInvalidConfig);
}

}  // namespace

Result<ConfigFile> ConfigFile::Parse(std::string_view text,
                                     std::string origin) {
  if (text.size() > kMaxSize) return TooLarge(origin);
  ConfigFile file;
  file.origin_ = std::move(origin);
  if (text.empty()) return file;
  file.final_newline_ = text.back() == '\n';
  if (file.final_newline_) text.remove_suffix(1);
  size_t number = 0;
  for (std::string& raw : Split(text, '\n')) {
    ++number;
    if (raw.find('\0') != std::string::npos) {
      return ParseError(file.origin_, number, "NUL byte");
    }
    auto parts = config::ParseLine(raw);
    if (!parts) {
      return ParseError(file.origin_, number, parts.error().message());
    }
    file.lines_.push_back(Line{std::move(raw), std::move(*parts)});
  }
  return file;
}

Result<ConfigFile> ConfigFile::Load(const std::string& path) {
  auto text = ReadFile(path, kMaxSize);
  if (!text) {
    if (text.error().code() == Code::kResourceExhausted) return TooLarge(path);
    return std::move(text).error();
  }
  return Parse(*text, path);
}

std::string ConfigFile::Format() const {
  std::string out;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (i) out.push_back('\n');
    out.append(lines_[i].raw);
  }
  if (final_newline_ && !lines_.empty()) out.push_back('\n');
  return out;
}

Status ConfigFile::Save(const std::string& path, mode_t mode) const {
  return WriteFileAtomic(path, Format(), mode);
}

int ConfigFile::FindLast(std::string_view key) const {
  for (int i = static_cast<int>(lines_.size()) - 1; i >= 0; --i) {
    const Line& l = lines_[static_cast<size_t>(i)];
    if (l.is_assignment() && l.parts.key == key) return i;
  }
  return -1;
}

std::optional<std::string> ConfigFile::Get(std::string_view key) const {
  int i = FindLast(key);
  if (i < 0) return std::nullopt;
  return lines_[static_cast<size_t>(i)].parts.value;
}

std::string ConfigFile::GetOr(std::string_view key,
                              std::string_view fallback) const {
  auto v = Get(key);
  return v ? *v : std::string(fallback);
}

Status ConfigFile::ValidateKey(std::string_view key) {
  if (config::IsValidKey(key)) return OkStatus();
  return InvalidArgumentError("invalid config key '" + std::string(key) +
                              "': expected [A-Za-z_][A-Za-z0-9_]*")
      .WithExitCode(kVzInvalidParameterValue);
}

Status ConfigFile::Set(std::string_view key, std::string_view value) {
  VZ_RETURN_IF_ERROR(ValidateKey(key));
  if (value.find('\n') != std::string_view::npos ||
      value.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("set config key '" + std::string(key) +
                                "': value contains a newline or NUL byte")
        .WithExitCode(kVzInvalidParameterValue);
  }
  int i = FindLast(key);
  if (i >= 0) {
    Line& line = lines_[static_cast<size_t>(i)];
    if (line.parts.value == value) return OkStatus();
    line.parts.value = std::string(value);
    if (!config::StyleCanCarry(line.parts.style, value)) {
      line.parts.style = config::QuoteStyle::kDouble;
    }
    line.raw = config::FormatAssignment(line.parts);
    return OkStatus();
  }
  Line line;
  line.parts.kind = config::LineParts::Kind::kAssignment;
  line.parts.key = std::string(key);
  line.parts.value = std::string(value);
  line.parts.style = config::QuoteStyle::kDouble;
  line.raw = config::FormatAssignment(line.parts);
  lines_.push_back(std::move(line));
  final_newline_ = true;
  return OkStatus();
}

bool ConfigFile::Unset(std::string_view key) {
  size_t before = lines_.size();
  std::erase_if(lines_, [&](const Line& l) {
    return l.is_assignment() && l.parts.key == key;
  });
  return lines_.size() != before;
}

std::vector<std::string> ConfigFile::Keys() const {
  std::vector<std::string> keys;
  std::set<std::string_view> seen;
  for (const Line& l : lines_) {
    if (l.is_assignment() && seen.insert(l.parts.key).second) {
      keys.push_back(l.parts.key);
    }
  }
  return keys;
}

std::vector<std::pair<std::string, std::string>> ConfigFile::Entries() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& key : Keys()) {
    std::string value = *Get(key);
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

}  // namespace vz
