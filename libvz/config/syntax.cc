#include "libvz/config/syntax.h"

namespace vz::config {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Characters an unquoted value may hold: none of them means anything to the
// shell inside an assignment word (except '$', taken literally by us and
// harmless unless it starts a command substitution).
bool IsUnquotedChar(char c) {
  if (IsAlpha(c) || IsDigit(c) || static_cast<unsigned char>(c) >= 0x80) {
    return true;
  }
  switch (c) {
    case '_':
    case '.':
    case '/':
    case ':':
    case ',':
    case '+':
    case '=':
    case '@':
    case '%':
    case '^':
    case '!':
    case '-':
    case '#':
    case '$':
    case '{':
    case '}':
      return true;
    default:
      return false;
  }
}

Status Bad(std::string why) { return InvalidArgumentError(std::move(why)); }

// Text after the value: blanks, then optionally a comment that a blank
// separates from the value.
Status CheckTrail(std::string_view trail) {
  size_t i = 0;
  while (i < trail.size() && IsBlank(trail[i])) ++i;
  if (i == trail.size()) return OkStatus();
  if (i > 0 && trail[i] == '#') return OkStatus();
  return Bad("unexpected text after value");
}

// Reads a double-quoted value starting after the opening quote; returns
// the index just past the closing quote.
Result<size_t> ReadDouble(std::string_view s, size_t i, std::string* out) {
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') return i + 1;
    if (c == '`' || (c == '$' && i + 1 < s.size() && s[i + 1] == '(')) {
      return Bad("command substitution not allowed");
    }
    if (c == '\\') {
      if (i + 1 == s.size()) break;
      char n = s[++i];
      if (n != '"' && n != '\\' && n != '$' && n != '`') out->push_back('\\');
      out->push_back(n);
      continue;
    }
    out->push_back(c);
  }
  return Bad("unterminated double quote");
}

Result<size_t> ReadSingle(std::string_view s, size_t i, std::string* out) {
  size_t end = s.find('\'', i);
  if (end == std::string_view::npos) return Bad("unterminated single quote");
  out->assign(s.substr(i, end - i));
  return end + 1;
}

Result<size_t> ReadUnquoted(std::string_view s, size_t i, std::string* out) {
  for (; i < s.size() && !IsBlank(s[i]); ++i) {
    char c = s[i];
    if (c == '`' || (c == '$' && i + 1 < s.size() && s[i + 1] == '(')) {
      return Bad("command substitution not allowed");
    }
    if (!IsUnquotedChar(c)) {
      return Bad(std::string("character '") + c +
                 "' not allowed in an unquoted value");
    }
    out->push_back(c);
  }
  return i;
}

}  // namespace

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  if (!IsAlpha(key[0]) && key[0] != '_') return false;
  for (char c : key) {
    if (!IsAlpha(c) && !IsDigit(c) && c != '_') return false;
  }
  return true;
}

Result<LineParts> ParseLine(std::string_view line) {
  LineParts p;
  size_t i = 0;
  while (i < line.size() && IsBlank(line[i])) ++i;
  if (i == line.size()) return p;
  if (line[i] == '#') {
    p.kind = LineParts::Kind::kComment;
    return p;
  }
  // "export KEY=..." as a shell script would write it.
  constexpr std::string_view kExport = "export";
  if (line.substr(i, kExport.size()) == kExport &&
      i + kExport.size() < line.size() && IsBlank(line[i + kExport.size()])) {
    i += kExport.size();
    while (i < line.size() && IsBlank(line[i])) ++i;
  }
  size_t eq = line.find('=', i);
  if (eq == std::string_view::npos) return Bad("expected KEY=value");
  std::string_view key = line.substr(i, eq - i);
  if (!IsValidKey(key)) {
    return Bad("invalid key name '" + std::string(key) + "'");
  }
  p.kind = LineParts::Kind::kAssignment;
  p.lead = std::string(line.substr(0, i));
  p.key = std::string(key);
  size_t v = eq + 1;
  Result<size_t> end = v;
  if (v < line.size() && line[v] == '"') {
    p.style = QuoteStyle::kDouble;
    end = ReadDouble(line, v + 1, &p.value);
  } else if (v < line.size() && line[v] == '\'') {
    p.style = QuoteStyle::kSingle;
    end = ReadSingle(line, v + 1, &p.value);
  } else {
    p.style = QuoteStyle::kNone;
    end = ReadUnquoted(line, v, &p.value);
  }
  if (!end) return std::move(end).error();
  p.trail = std::string(line.substr(*end));
  VZ_RETURN_IF_ERROR(CheckTrail(p.trail));
  return p;
}

bool StyleCanCarry(QuoteStyle style, std::string_view value) {
  if (value.find('\n') != std::string_view::npos ||
      value.find('\0') != std::string_view::npos) {
    return false;
  }
  switch (style) {
    case QuoteStyle::kDouble:
      return true;
    case QuoteStyle::kSingle:
      return value.find('\'') == std::string_view::npos;
    case QuoteStyle::kNone:
      for (size_t i = 0; i < value.size(); ++i) {
        if (!IsUnquotedChar(value[i])) return false;
        if (value[i] == '$' && i + 1 < value.size() && value[i + 1] == '(') {
          return false;
        }
      }
      return true;
  }
  return false;
}

std::string EncodeValue(std::string_view value, QuoteStyle style) {
  if (style == QuoteStyle::kNone) return std::string(value);
  if (style == QuoteStyle::kSingle) return "'" + std::string(value) + "'";
  std::string out = "\"";
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    // '$' stays bare ("$VEID", as OpenVZ writes it) unless it would start a
    // command substitution.
    bool dollar_paren = c == '$' && i + 1 < value.size() && value[i + 1] == '(';
    if (c == '"' || c == '\\' || c == '`' || dollar_paren) out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string FormatAssignment(const LineParts& parts) {
  return parts.lead + parts.key + "=" + EncodeValue(parts.value, parts.style) +
         parts.trail;
}

}  // namespace vz::config
