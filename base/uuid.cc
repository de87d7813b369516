#include "base/uuid.h"

#include <sys/random.h>

#include <cerrno>

namespace vz {

Result<Uuid> Uuid::Generate() {
  std::array<uint8_t, 16> b{};
  size_t got = 0;
  while (got < b.size()) {
    ssize_t n = ::getrandom(b.data() + got, b.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError(errno, "generate uuid");
    got += static_cast<size_t>(n);
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return Uuid(b);
}

Result<Uuid> Uuid::Parse(std::string_view text) {
  auto bad = [&] {
    return InvalidArgumentError("invalid uuid '" + std::string(text) + "'");
  };
  std::string_view s = text;
  if (s.size() == 38 && s.front() == '{' && s.back() == '}')
    s = s.substr(1, 36);
  if (s.size() != 36) return bad();
  std::array<uint8_t, 16> b{};
  size_t out = 0;
  for (size_t i = 0; i < s.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return bad();
      ++i;
      continue;
    }
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nib(s[i]), lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0) return bad();
    b[out++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return Uuid(b);
}

std::string Uuid::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < bytes_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes_[i] >> 4]);
    s.push_back(kHex[bytes_[i] & 0xf]);
  }
  return s;
}

}  // namespace vz
