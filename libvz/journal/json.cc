#include "libvz/journal/json.h"

#include <cstdio>

namespace vz::journal {
namespace {

bool InRange(unsigned char c, unsigned char lo, unsigned char hi) {
  return c >= lo && c <= hi;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A recursive-descent reader over the subset; `pos_` is the byte offset.
class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  Result<FlatObject> Object() {
    FlatObject obj;
    SkipSpace();
    if (!Eat('{')) return Bad("expected '{'");
    SkipSpace();
    if (!Eat('}')) {
      for (;;) {
        SkipSpace();
        if (Peek() != '"') return Bad("expected a member name");
        VZ_ASSIGN_OR_RETURN(std::string key, String());
        SkipSpace();
        if (!Eat(':')) return Bad("expected ':'");
        SkipSpace();
        FlatValue value;
        if (Peek() == '"') {
          VZ_ASSIGN_OR_RETURN(value, String());
        } else if (Peek() >= '0' && Peek() <= '9') {
          VZ_ASSIGN_OR_RETURN(value, Number());
        } else {
          return Bad("expected a string or a non-negative integer");
        }
        if (!obj.emplace(key, std::move(value)).second) {
          return Bad("duplicate member '" + key + "'");
        }
        SkipSpace();
        if (Eat('}')) break;
        if (!Eat(',')) return Bad("expected ',' or '}'");
      }
    }
    SkipSpace();
    if (pos_ != s_.size()) return Bad("text after the object");
    return obj;
  }

 private:
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c || pos_ >= s_.size()) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                                s_[pos_] == '\r' || s_[pos_] == '\n')) {
      ++pos_;
    }
  }
  Status Bad(const std::string& why) const {
    return InvalidArgumentError("invalid json at byte " + std::to_string(pos_) +
                                ": " + why);
  }

  Result<uint64_t> Number() {
    size_t start = pos_;
    uint64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      uint64_t digit = static_cast<uint64_t>(s_[pos_] - '0');
      if (v > (UINT64_MAX - digit) / 10) return Bad("number too large");
      v = v * 10 + digit;
      ++pos_;
    }
    if (pos_ - start > 1 && s_[start] == '0') return Bad("leading zero");
    if (Peek() == '.' || Peek() == 'e' || Peek() == 'E') {
      return Bad("expected a non-negative integer");
    }
    return v;
  }

  Result<uint32_t> Hex4() {
    if (pos_ + 4 > s_.size()) return Bad("short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Bad("bad \\u escape");
      }
    }
    return v;
  }

  // A \u escape (after the 'u'), joining a surrogate pair.
  Status Unicode(std::string* out) {
    VZ_ASSIGN_OR_RETURN(uint32_t cp, Hex4());
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Bad("lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (s_.substr(pos_, 2) != "\\u") return Bad("lone high surrogate");
      pos_ += 2;
      VZ_ASSIGN_OR_RETURN(uint32_t low, Hex4());
      if (low < 0xDC00 || low > 0xDFFF) return Bad("lone high surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, cp);
    return OkStatus();
  }

  Result<std::string> String() {
    ++pos_;  // the opening quote
    std::string out;
    while (pos_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) return Bad("raw control character in a string");
      if (c == '\\') {
        if (++pos_ >= s_.size()) break;
        char e = s_[pos_++];
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out.push_back(e);
            break;
          case 'b':
            out.push_back('\b');
            break;
          case 'f':
            out.push_back('\f');
            break;
          case 'n':
            out.push_back('\n');
            break;
          case 'r':
            out.push_back('\r');
            break;
          case 't':
            out.push_back('\t');
            break;
          case 'u':
            VZ_RETURN_IF_ERROR(Unicode(&out));
            break;
          default:
            return Bad("bad escape");
        }
        continue;
      }
      size_t n = Utf8SequenceLength(s_, pos_);
      if (n == 0) return Bad("invalid UTF-8");
      out.append(s_.substr(pos_, n));
      pos_ += n;
    }
    return Bad("unterminated string");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> unsigned char {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  unsigned char c = at(0);
  if (i >= s.size()) return 0;
  if (c < 0x80) return 1;
  auto cont = [&](size_t k) { return InRange(at(k), 0x80, 0xBF); };
  if (InRange(c, 0xC2, 0xDF)) return cont(1) ? 2 : 0;
  if (c == 0xE0) return InRange(at(1), 0xA0, 0xBF) && cont(2) ? 3 : 0;
  if (InRange(c, 0xE1, 0xEC) || InRange(c, 0xEE, 0xEF)) {
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c == 0xED) return InRange(at(1), 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) {
    return InRange(at(1), 0x90, 0xBF) && cont(2) && cont(3) ? 4 : 0;
  }
  if (InRange(c, 0xF1, 0xF3)) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) {
    return InRange(at(1), 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      out->append("\\ufffd");
      ++i;
      continue;
    }
    std::string_view seq = s.substr(i, n);
    i += n;
    if (seq == "\u2028" || seq == "\u2029") {
      out->append(seq == "\u2028" ? "\\u2028" : "\\u2029");
      continue;
    }
    if (n > 1) {
      out->append(seq);
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

Result<FlatObject> ParseFlatObject(std::string_view text) {
  return Reader(text).Object();
}

}  // namespace vz::journal
