#include "libvz/net/address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

#include "libvz/exit_codes.h"

namespace vz::net {
namespace {

Status BadIp(std::string_view text, const std::string& why) {
  return InvalidArgumentError("invalid IP address '" + std::string(text) +
                              "': " + why)
      .WithExitCode(kVzBadIp);
}

}  // namespace

bool Cidr::v4() const { return family == AF_INET; }

std::string Cidr::Address() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

std::string Cidr::ToString() const {
  return Address() + "/" + std::to_string(prefix);
}

Cidr Cidr::Host() const {
  Cidr h = *this;
  h.prefix = max_prefix();
  return h;
}

bool SameAddress(const Cidr& a, const Cidr& b) {
  return a.family == b.family && a.bytes == b.bytes;
}

Result<Cidr> ParseCidr(std::string_view text) {
  std::string_view addr = text, mask;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    mask = text.substr(slash + 1);
  }
  Cidr c;
  std::string a(addr);
  if (inet_pton(AF_INET, a.c_str(), c.bytes.data()) == 1) {
    c.family = AF_INET;
  } else if (inet_pton(AF_INET6, a.c_str(), c.bytes.data()) == 1) {
    c.family = AF_INET6;
  } else {
    return BadIp(text, "not an IPv4 or IPv6 address");
  }
  c.prefix = c.max_prefix();
  if (!mask.empty() || text.find('/') != std::string_view::npos) {
    int p = -1;
    auto [end, ec] = std::from_chars(mask.data(), mask.data() + mask.size(), p);
    if (ec != std::errc() || end != mask.data() + mask.size() || p < 0 ||
        p > c.max_prefix()) {
      return BadIp(text, "bad prefix length");
    }
    c.prefix = p;
  }
  const uint8_t* b = c.bytes.data();
  if (c.v4()) {
    uint32_t v = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 |
                 uint32_t{b[2]} << 8 | b[3];
    if (v == 0) return BadIp(text, "unspecified address");
    if (b[0] == 127) return BadIp(text, "loopback address");
    if (b[0] >= 224 && b[0] <= 239) return BadIp(text, "multicast address");
    if (v == 0xFFFFFFFF) return BadIp(text, "broadcast address");
  } else {
    static const uint8_t kZero[16] = {}, kLoop[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                      0, 0, 0, 0, 0, 0, 0, 1};
    if (std::memcmp(b, kZero, 16) == 0)
      return BadIp(text, "unspecified address");
    if (std::memcmp(b, kLoop, 16) == 0) return BadIp(text, "loopback address");
    if (b[0] == 0xff) return BadIp(text, "multicast address");
  }
  return c;
}

std::string Mac::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) s += ':';
    s += kHex[bytes[i] >> 4];
    s += kHex[bytes[i] & 15];
  }
  return s;
}

Result<Mac> ParseMac(std::string_view text) {
  auto bad = [&](const char* why) {
    return InvalidArgumentError("invalid MAC address '" + std::string(text) +
                                "': " + why)
        .WithExitCode(kVzInvalidParameterValue);
  };
  if (text.size() != 17) return bad("expected six hex pairs");
  Mac m;
  for (size_t i = 0; i < 6; ++i) {
    if (i && text[i * 3 - 1] != ':' && text[i * 3 - 1] != '-')
      return bad("expected ':' separators");
    uint8_t v = 0;
    auto [end, ec] =
        std::from_chars(text.data() + i * 3, text.data() + i * 3 + 2, v, 16);
    if (ec != std::errc() || end != text.data() + i * 3 + 2)
      return bad("not hex");
    m.bytes[i] = v;
  }
  if (m.bytes[0] & 1) return bad("multicast address");
  if (m == Mac{}) return bad("all zeros");
  return m;
}

Mac DeriveMac(std::string_view seed) {
  // FNV-1a, 64 bits, over the seed; five bytes of it after the 02 prefix.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : seed) {
    h ^= c;
    h *= 1099511628211ull;
  }
  Mac m;
  m.bytes[0] = 0x02;  // locally administered, unicast
  for (int i = 1; i < 6; ++i)
    m.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(h >> (8 * (i - 1)));
  return m;
}

}  // namespace vz::net
