// The manifest and manifest.sig formats (doc/templates.md §3, §4): one
// canonical text per value, so parsing refuses everything Format would not
// write.
#include <algorithm>

#include "base/size.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/template.h"
#include "libvz/template/crypto.h"
#include "libvz/util/rfc3339.h"

namespace vz {
namespace {

constexpr size_t kMaxManifestSize = 1 << 20;
constexpr std::string_view kManifestHeader = "vz-template-manifest";
constexpr std::string_view kSignatureHeader = "vz-template-signature";

bool Lower(char c) { return c >= 'a' && c <= 'z'; }
bool Upper(char c) { return c >= 'A' && c <= 'Z'; }
bool Digit(char c) { return c >= '0' && c <= '9'; }

// `s` is 1..max characters, each either alphanumeric (lowercase only when
// `lower_only`) or in `extra`.
bool Token(std::string_view s, size_t max, bool lower_only,
           std::string_view extra) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    bool ok = Lower(c) || Digit(c) || (!lower_only && Upper(c)) ||
              extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool IsVersion(std::string_view s, size_t max) {
  return Token(s, max, false, ".+~:_-");
}
bool IsOs(std::string_view s) { return Token(s, 64, true, "._-"); }
bool IsArch(std::string_view s) { return Token(s, 32, true, "_"); }
bool IsFileName(std::string_view s) {
  return Token(s, 128, false, "._-") && s.front() != '.' && s != "manifest" &&
         s != "manifest.sig" && s != "seal";
}
bool IsPackageName(std::string_view s) {
  return Token(s, 128, false, ".+_:-") &&
         (Lower(s[0]) || Upper(s[0]) || Digit(s[0]));
}

// A decimal number as Format writes it (no sign, no leading zeros).
Result<uint64_t> CanonicalUint(std::string_view s) {
  auto v = ParseUint(s);
  if (!v || std::to_string(*v) != s) {
    return InvalidArgumentError("bad number '" + std::string(s) + "'");
  }
  return *v;
}

Status BadField(std::string_view field, std::string_view value) {
  return InvalidArgumentError("invalid manifest " + std::string(field) + " '" +
                              std::string(value) + "'")
      .WithExitCode(kVzInvalidParameterValue);
}

// Checks a manifest against the format's rules; the reason is the message.
Status CheckFields(const TemplateManifest& m) {
  if (Status s = ValidateTemplateName(m.name); !s.ok()) return s;
  if (!IsVersion(m.version, 64)) return BadField("version", m.version);
  if (!IsOs(m.os)) return BadField("os", m.os);
  if (!IsArch(m.arch)) return BadField("arch", m.arch);
  if (m.created.time_since_epoch().count() < 0 ||
      m.created != std::chrono::floor<std::chrono::seconds>(m.created)) {
    return BadField("created", util::FormatRfc3339Millis(m.created));
  }
  if (m.files.empty()) return BadField("files", "none");
  for (size_t i = 0; i < m.files.size(); ++i) {
    const auto& f = m.files[i];
    if (!IsFileName(f.name)) return BadField("file name", f.name);
    if (!tmpl::IsLowerHex(f.sha256, 64)) return BadField("sha256", f.sha256);
    if (i > 0 && m.files[i - 1].name >= f.name) {
      return BadField("file order", f.name);
    }
  }
  for (size_t i = 0; i < m.packages.size(); ++i) {
    const auto& p = m.packages[i];
    if (!IsPackageName(p.name)) return BadField("package name", p.name);
    if (!IsVersion(p.version, 128))
      return BadField("package version", p.version);
    if (i > 0 && m.packages[i - 1].name >= p.name) {
      return BadField("package order", p.name);
    }
  }
  return OkStatus();
}

// Splits canonical text into lines: LF-terminated, no CR, not too large.
Result<std::vector<std::string>> Lines(std::string_view text, size_t max) {
  if (text.size() > max) {
    return InvalidArgumentError("larger than " + std::to_string(max) +
                                " bytes");
  }
  if (text.empty() || text.back() != '\n') {
    return InvalidArgumentError("does not end with a newline");
  }
  text.remove_suffix(1);
  return Split(text, '\n');
}

// Parses line `n` (1-based) as "key field...". Errors name the line.
class LineReader {
 public:
  explicit LineReader(std::vector<std::string> lines, std::string what)
      : lines_(std::move(lines)), what_(std::move(what)) {}

  bool done() const { return next_ >= lines_.size(); }
  // The next line's first word, without consuming it.
  std::string_view PeekKey() const {
    if (done()) return {};
    std::string_view l = lines_[next_];
    return l.substr(0, l.find(' '));
  }
  // The next line's words after `key`; exactly `count` of them.
  Result<std::vector<std::string>> Take(std::string_view key, size_t count) {
    if (done())
      return Bad("expected '" + std::string(key) + "', found the end");
    const std::string& line = lines_[next_++];
    auto words = Split(line, ' ');
    if (words[0] != key) {
      return Bad("expected '" + std::string(key) + "', found '" + words[0] +
                 "'");
    }
    words.erase(words.begin());
    for (const auto& w : words) {
      if (w.empty()) return Bad("empty word (double or trailing space)");
    }
    if (words.size() != count) {
      return Bad("'" + std::string(key) + "' takes " + std::to_string(count) +
                 " values");
    }
    return words;
  }
  // An error of the line just read.
  Status Bad(const std::string& why) const { return BadAt(next_, why); }
  // An error of the line not yet read.
  Status BadNext(const std::string& why) const { return BadAt(next_ + 1, why); }
  // `s`'s reason as an error of the line just read.
  Status Wrap(const Status& s) const { return Bad(s.message()); }

 private:
  Status BadAt(size_t line, const std::string& why) const {
    return InvalidArgumentError(what_ + " line " + std::to_string(line) + ": " +
                                why)
        .WithExitCode(kVzFsBadTmpl);
  }

  std::vector<std::string> lines_;
  std::string what_;
  size_t next_ = 0;
};

Status CheckHeader(LineReader& r, std::string_view header, int format) {
  VZ_ASSIGN_OR_RETURN(auto v, r.Take(header, 1));
  if (v[0] != std::to_string(format)) {
    return r.Bad("unsupported format version '" + v[0] + "'");
  }
  return OkStatus();
}

Status ParseFileLine(LineReader& r, TemplateManifest& m) {
  VZ_ASSIGN_OR_RETURN(auto v, r.Take("file", 3));
  TemplateFile f;
  f.name = v[0];
  if (!IsFileName(f.name)) return r.Bad("bad file name '" + f.name + "'");
  if (!m.files.empty() && m.files.back().name >= f.name) {
    return r.Bad("file '" + f.name + "' out of order or repeated");
  }
  auto size = CanonicalUint(v[1]);
  if (!size) return r.Wrap(size.error());
  f.size = *size;
  if (v[2].rfind("sha256:", 0) != 0 || !tmpl::IsLowerHex(v[2].substr(7), 64)) {
    return r.Bad("expected sha256:<64 lowercase hex>");
  }
  f.sha256 = v[2].substr(7);
  m.files.push_back(std::move(f));
  return OkStatus();
}

Status ParsePackageLine(LineReader& r, TemplateManifest& m) {
  VZ_ASSIGN_OR_RETURN(auto v, r.Take("package", 2));
  if (!IsPackageName(v[0])) return r.Bad("bad package name '" + v[0] + "'");
  if (!IsVersion(v[1], 128)) return r.Bad("bad package version '" + v[1] + "'");
  if (!m.packages.empty() && m.packages.back().name >= v[0]) {
    return r.Bad("package '" + v[0] + "' out of order or repeated");
  }
  m.packages.push_back({v[0], v[1]});
  return OkStatus();
}

// One "key value" line whose value must pass `valid`.
Result<std::string> TakeValue(LineReader& r, std::string_view key,
                              bool (*valid)(std::string_view)) {
  VZ_ASSIGN_OR_RETURN(auto v, r.Take(key, 1));
  if (!valid(v[0])) {
    return r.Bad("bad " + std::string(key) + " '" + v[0] + "'");
  }
  return v[0];
}

bool IsName(std::string_view s) { return ValidateTemplateName(s).ok(); }
bool IsTemplateVersion(std::string_view s) { return IsVersion(s, 64); }

}  // namespace

Result<TemplateManifest> ParseTemplateManifest(std::string_view text) {
  auto lines = Lines(text, kMaxManifestSize);
  if (!lines) {
    return InvalidArgumentError("manifest " + lines.error().message())
        .WithExitCode(kVzFsBadTmpl);
  }
  LineReader r(std::move(*lines), "manifest");
  VZ_RETURN_IF_ERROR(
      CheckHeader(r, kManifestHeader, TemplateManifest::kFormat));
  TemplateManifest m;
  VZ_ASSIGN_OR_RETURN(m.name, TakeValue(r, "name", IsName));
  VZ_ASSIGN_OR_RETURN(m.version, TakeValue(r, "version", IsTemplateVersion));
  VZ_ASSIGN_OR_RETURN(m.os, TakeValue(r, "os", IsOs));
  VZ_ASSIGN_OR_RETURN(m.arch, TakeValue(r, "arch", IsArch));
  VZ_ASSIGN_OR_RETURN(auto created, r.Take("created", 1));
  auto time = util::ParseRfc3339(created[0]);
  if (!time || created[0].size() != 20) {
    return r.Bad("bad created '" + created[0] + "'");
  }
  m.created = *time;
  VZ_ASSIGN_OR_RETURN(auto vsize, r.Take("virtual-size", 1));
  auto size = CanonicalUint(vsize[0]);
  if (!size) return r.Wrap(size.error());
  m.virtual_size = *size;
  if (r.PeekKey() != "file") return r.BadNext("expected 'file'");
  while (r.PeekKey() == "file") VZ_RETURN_IF_ERROR(ParseFileLine(r, m));
  while (r.PeekKey() == "package") VZ_RETURN_IF_ERROR(ParsePackageLine(r, m));
  if (!r.done()) {
    return r.BadNext("unexpected '" + std::string(r.PeekKey()) + "'");
  }
  return m;
}

Result<std::string> FormatTemplateManifest(const TemplateManifest& m) {
  VZ_RETURN_IF_ERROR(CheckFields(m));
  std::string out = std::string(kManifestHeader) + " " +
                    std::to_string(TemplateManifest::kFormat) + "\n";
  out += "name " + m.name + "\n";
  out += "version " + m.version + "\n";
  out += "os " + m.os + "\n";
  out += "arch " + m.arch + "\n";
  out += "created " + util::FormatRfc3339Seconds(m.created) + "\n";
  out += "virtual-size " + std::to_string(m.virtual_size) + "\n";
  for (const auto& f : m.files) {
    out += "file " + f.name + " " + std::to_string(f.size) +
           " sha256:" + f.sha256 + "\n";
  }
  for (const auto& p : m.packages) {
    out += "package " + p.name + " " + p.version + "\n";
  }
  return out;
}

Result<TemplateSignature> ParseTemplateSignature(std::string_view text) {
  auto lines = Lines(text, 4096);
  if (!lines) {
    return InvalidArgumentError("manifest.sig " + lines.error().message())
        .WithExitCode(kVzFsBadTmpl);
  }
  LineReader r(std::move(*lines), "manifest.sig");
  VZ_RETURN_IF_ERROR(CheckHeader(r, kSignatureHeader, 1));
  TemplateSignature sig;
  VZ_ASSIGN_OR_RETURN(auto key, r.Take("key", 1));
  if (key[0].rfind("ed25519:", 0) != 0 ||
      !tmpl::IsLowerHex(key[0].substr(8), 64)) {
    return r.Bad("expected ed25519:<64 hex>");
  }
  sig.fingerprint = key[0].substr(8);
  VZ_ASSIGN_OR_RETURN(auto value, r.Take("signature", 1));
  if (!tmpl::IsLowerHex(value[0], 128)) return r.Bad("expected 128 hex");
  sig.signature = *tmpl::HexDecode(value[0]);
  if (!r.done()) {
    return r.BadNext("unexpected '" + std::string(r.PeekKey()) + "'");
  }
  return sig;
}

std::string FormatTemplateSignature(const TemplateSignature& sig) {
  return std::string(kSignatureHeader) + " 1\nkey ed25519:" + sig.fingerprint +
         "\nsignature " + tmpl::HexEncode(sig.signature) + "\n";
}

}  // namespace vz
