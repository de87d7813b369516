#include "ploop/descriptor_memo.h"

#include <charconv>
#include <cstdint>
#include <vector>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "ploop/exit_codes.h"

namespace ploop {
namespace {

constexpr std::string_view kHeader = "ploop-descriptor-memo 1";
// Escaping at most triples a text field.
constexpr size_t kMaxMemoBytes = 4 * kMaxDescriptorBytes;

vz::Status Broken(const std::string& what) {
  return vz::DataLossError("descriptor memo: " + what);
}

// ":" and the text with every byte outside '!'..'~', and '%', as %XX.
std::string Escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = ":";
  for (unsigned char c : text) {
    if (c > ' ' && c <= '~' && c != '%') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

vz::Result<std::string> Unescape(std::string_view field) {
  if (field.empty() || field[0] != ':')
    return Broken("'" + std::string(field) + "' is not a text field");
  std::string out;
  for (size_t i = 1; i < field.size(); ++i) {
    const unsigned char c = field[i];
    if (c <= ' ' || c > '~') {
      return Broken("an unescaped byte in '" + std::string(field) + "'");
    }
    if (c != '%') {
      out += static_cast<char>(c);
      continue;
    }
    int hi = i + 2 < field.size() ? HexDigit(field[i + 1]) : -1;
    int lo = hi >= 0 ? HexDigit(field[i + 2]) : -1;
    if (lo < 0) return Broken("bad escape in '" + std::string(field) + "'");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

vz::Result<uint64_t> Number(std::string_view field) {
  auto v = vz::ParseUint(field);
  if (!v.has_value())
    return Broken("'" + std::string(field) + "' is not a number");
  return *v;
}

vz::Result<uint32_t> Number32(std::string_view field) {
  VZ_ASSIGN_OR_RETURN(uint64_t v, Number(field));
  if (v > UINT32_MAX)
    return Broken("'" + std::string(field) + "' is too large");
  return static_cast<uint32_t>(v);
}

vz::Result<bool> Flag(std::string_view field) {
  if (field == "0") return false;
  if (field == "1") return true;
  return Broken("'" + std::string(field) + "' is not 0 or 1");
}

vz::Result<vz::Uuid> Guid(std::string_view field) {
  // Parse() also takes braces; the memo never writes them.
  if (field.size() != 36)
    return Broken("'" + std::string(field) + "' is not a GUID");
  auto g = vz::Uuid::Parse(field);
  if (!g.has_value())
    return Broken("'" + std::string(field) + "' is not a GUID");
  return *g;
}

std::string Hex(uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kHex[v & 15];
  return out;
}

// Exactly as Hex() writes it: 16 lower-case hex digits.
vz::Result<uint64_t> Digest(std::string_view field) {
  uint64_t v = 0;
  auto [end, ec] =
      std::from_chars(field.data(), field.data() + field.size(), v, 16);
  if (ec != std::errc() || end != field.data() + field.size() ||
      Hex(v) != field) {
    return Broken("'" + std::string(field) + "' is not a digest");
  }
  return v;
}

// Line `i` split at its spaces, when it is a `key` line of `n` fields.
vz::Result<std::vector<std::string>> Fields(
    const std::vector<std::string>& lines, size_t i, const std::string& key,
    size_t n) {
  if (i >= lines.size()) return Broken("no '" + key + "' line");
  std::vector<std::string> f = vz::Split(lines[i], ' ');
  if (f[0] != key) return Broken("'" + f[0] + "' where '" + key + "' belongs");
  if (f.size() != n + 1) {
    return Broken("the " + key + " line needs " + std::to_string(n) +
                  " fields");
  }
  return f;
}

vz::Status ParseIdentity(const std::vector<std::string>& f, DescriptorMemo& m) {
  vz::FileIdentity& id = m.id;
  VZ_ASSIGN_OR_RETURN(m.digest, Digest(f[6]));
  VZ_ASSIGN_OR_RETURN(id.dev, Number(f[1]));
  VZ_ASSIGN_OR_RETURN(id.ino, Number(f[2]));
  VZ_ASSIGN_OR_RETURN(uint64_t sec, Number(f[3]));
  VZ_ASSIGN_OR_RETURN(uint64_t nsec, Number(f[4]));
  VZ_ASSIGN_OR_RETURN(id.size, Number(f[5]));
  if (sec > uint64_t{INT64_MAX} || nsec >= 1000000000)
    return Broken("the ctime is out of range");
  id.ctime_sec = static_cast<int64_t>(sec);
  id.ctime_nsec = static_cast<int64_t>(nsec);
  return vz::OkStatus();
}

vz::Status ParseDisk(const std::vector<std::string>& f, DiskDescriptor& dd) {
  VZ_ASSIGN_OR_RETURN(dd.disk_size_sectors, Number(f[1]));
  VZ_ASSIGN_OR_RETURN(dd.cylinders, Number32(f[2]));
  VZ_ASSIGN_OR_RETURN(dd.heads, Number32(f[3]));
  VZ_ASSIGN_OR_RETURN(dd.sectors, Number32(f[4]));
  VZ_ASSIGN_OR_RETURN(dd.blocksize, Number32(f[5]));
  VZ_ASSIGN_OR_RETURN(dd.preallocated, Flag(f[6]));
  if (f[7] != "-") {
    VZ_ASSIGN_OR_RETURN(dd.max_delta_size, Number(f[7]));
  }
  return vz::OkStatus();
}

vz::Status ParseImage(const std::vector<std::string>& f, DiskDescriptor& dd) {
  DiskDescriptor::Image image;
  VZ_ASSIGN_OR_RETURN(image.guid, Guid(f[1]));
  if (f[2] == "compressed") {
    image.type = DeltaType::kCompressed;
  } else if (f[2] == "plain") {
    image.type = DeltaType::kPlain;
  } else {
    return Broken("'" + f[2] + "' is not a delta type");
  }
  VZ_ASSIGN_OR_RETURN(image.file, Unescape(f[3]));
  dd.images.push_back(std::move(image));
  return vz::OkStatus();
}

vz::Status ParseShot(const std::vector<std::string>& f, DiskDescriptor& dd) {
  DiskDescriptor::Shot shot;
  VZ_ASSIGN_OR_RETURN(shot.guid, Guid(f[1]));
  VZ_ASSIGN_OR_RETURN(shot.parent, Guid(f[2]));
  VZ_ASSIGN_OR_RETURN(shot.temporary, Flag(f[3]));
  VZ_ASSIGN_OR_RETURN(shot.name, Unescape(f[4]));
  VZ_ASSIGN_OR_RETURN(shot.description, Unescape(f[5]));
  dd.shots.push_back(std::move(shot));
  return vz::OkStatus();
}

vz::Status ParseRoot(const std::string& field, DiskDescriptor& dd) {
  VZ_ASSIGN_OR_RETURN(dd.root_name, Unescape(field));
  // The two the XML parser accepts (§3).
  if (dd.root_name != "Virtuozzo_disk_image" &&
      dd.root_name != "Parallels_disk_image") {
    return Broken("'" + dd.root_name + "' is not a descriptor's root");
  }
  return vz::OkStatus();
}

// The lines after the header, in the order §9 gives: id, disk, root, top,
// the images, the shots, end.
vz::Status ParseBody(const std::vector<std::string>& lines, DescriptorMemo& m) {
  VZ_ASSIGN_OR_RETURN(auto id, Fields(lines, 1, "id", 6));
  VZ_RETURN_IF_ERROR(ParseIdentity(id, m));
  VZ_ASSIGN_OR_RETURN(auto disk, Fields(lines, 2, "disk", 7));
  VZ_RETURN_IF_ERROR(ParseDisk(disk, m.dd));
  VZ_ASSIGN_OR_RETURN(auto root, Fields(lines, 3, "root", 1));
  VZ_RETURN_IF_ERROR(ParseRoot(root[1], m.dd));
  VZ_ASSIGN_OR_RETURN(auto top, Fields(lines, 4, "top", 1));
  VZ_ASSIGN_OR_RETURN(m.dd.top_guid, Guid(top[1]));
  size_t i = 5;
  for (; i < lines.size() && lines[i].starts_with("image "); ++i) {
    VZ_ASSIGN_OR_RETURN(auto f, Fields(lines, i, "image", 3));
    VZ_RETURN_IF_ERROR(ParseImage(f, m.dd));
  }
  for (; i < lines.size() && lines[i].starts_with("shot "); ++i) {
    VZ_ASSIGN_OR_RETURN(auto f, Fields(lines, i, "shot", 5));
    VZ_RETURN_IF_ERROR(ParseShot(f, m.dd));
  }
  // "end", then the empty rest after its newline, and nothing else.
  if (i + 2 != lines.size() || lines[i] != "end" || !lines[i + 1].empty()) {
    return Broken("not 'end' after the shots");
  }
  return vz::OkStatus();
}

}  // namespace

uint64_t DescriptorDigest(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325;  // FNV-1a's offset basis and prime
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3;
  }
  return h;
}

std::string FormatDescriptorMemo(const DescriptorMemo& m) {
  const DiskDescriptor& dd = m.dd;
  auto n = [](uint64_t v) { return std::to_string(v); };
  std::string out = std::string(kHeader) + "\n";
  out += "id " + n(m.id.dev) + " " + n(m.id.ino) + " " +
         std::to_string(m.id.ctime_sec) + " " +
         std::to_string(m.id.ctime_nsec) + " " + n(m.id.size) + " " +
         Hex(m.digest) + "\n";
  out += "disk " + n(dd.disk_size_sectors) + " " + n(dd.cylinders) + " " +
         n(dd.heads) + " " + n(dd.sectors) + " " + n(dd.blocksize) + " " +
         (dd.preallocated ? "1" : "0") + " " +
         (dd.max_delta_size ? n(*dd.max_delta_size) : "-") + "\n";
  out += "root " + Escape(dd.root_name) + "\n";
  out += "top " + dd.top_guid.ToString() + "\n";
  for (const DiskDescriptor::Image& i : dd.images) {
    out += "image " + i.guid.ToString() + " " +
           (i.type == DeltaType::kPlain ? "plain" : "compressed") + " " +
           Escape(i.file) + "\n";
  }
  for (const DiskDescriptor::Shot& s : dd.shots) {
    out += "shot " + s.guid.ToString() + " " + s.parent.ToString() + " " +
           (s.temporary ? "1" : "0") + " " + Escape(s.name) + " " +
           Escape(s.description) + "\n";
  }
  return out + "end\n";
}

vz::Result<DescriptorMemo> ParseDescriptorMemo(std::string_view text) {
  std::vector<std::string> lines = vz::Split(text, '\n');
  if (lines.empty() || lines[0] != kHeader) {
    return Broken("not '" + std::string(kHeader) + "'");
  }
  DescriptorMemo m;
  VZ_RETURN_IF_ERROR(ParseBody(lines, m));
  VZ_RETURN_IF_ERROR(m.dd.Validate());
  return m;
}

vz::Result<DiskDescriptor> ReadDiskDescriptorRemembered(
    const std::string& path, const std::string& memo_path) {
  auto id = vz::IdentityOf(path);
  if (!id.has_value()) {
    return std::move(id).error().WithDefaultExitCode(kSysExitDiskDescr);
  }
  VZ_ASSIGN_OR_RETURN(std::string text, ReadDescriptorText(path));
  const uint64_t digest = DescriptorDigest(text);
  if (auto memo_text = vz::ReadFile(memo_path, kMaxMemoBytes);
      memo_text.has_value()) {
    auto memo = ParseDescriptorMemo(*memo_text);
    if (memo.has_value() && memo->id == *id && memo->digest == digest) {
      return std::move(memo->dd);
    }
  }
  VZ_ASSIGN_OR_RETURN(DiskDescriptor dd, ParseDiskDescriptorAt(path, text));
  // The digest is of the bytes just parsed; `id` may be older than them
  // (the file replaced in between), and then the memo never matches.
  (void)vz::WriteRuntimeFile(
      memo_path, FormatDescriptorMemo({.id = *id, .digest = digest, .dd = dd}),
      0600);
  return dd;
}

}  // namespace ploop
