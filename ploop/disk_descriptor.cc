#include "ploop/disk_descriptor.h"

#include <charconv>
#include <set>

#include <libxml/tree.h>

#include "base/file_util.h"
#include "ploop/exit_codes.h"
#include "ploop/xml.h"

namespace ploop {
namespace {

constexpr int kMaxDepth = 64;

vz::Status Bad(const std::string& why) {
  return vz::InvalidArgumentError("invalid DiskDescriptor.xml: " + why)
      .WithExitCode(kSysExitDiskDescr);
}

std::string_view Name(const xmlNode* n) {
  return reinterpret_cast<const char*>(n->name);
}

const xmlNode* Child(const xmlNode* parent, std::string_view name) {
  for (const xmlNode* c = parent ? parent->children : nullptr; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && Name(c) == name) return c;
  }
  return nullptr;
}

std::vector<const xmlNode*> Children(const xmlNode* parent,
                                     std::string_view name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = parent ? parent->children : nullptr; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && Name(c) == name) out.push_back(c);
  }
  return out;
}

// The element's text; entities and nested elements are refused.
vz::Result<std::string> Text(const xmlNode* n, std::string_view what) {
  std::string out;
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      out += reinterpret_cast<const char*>(c->content);
    } else if (c->type == XML_ENTITY_REF_NODE || c->type == XML_ENTITY_NODE) {
      return Bad("entity in '" + std::string(what) + "'");
    } else if (c->type == XML_ELEMENT_NODE) {
      return Bad("unexpected element inside '" + std::string(what) + "'");
    }
  }
  size_t b = out.find_first_not_of(" \t\r\n"),
         e = out.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
}

vz::Result<std::string> RequiredText(const xmlNode* parent,
                                     std::string_view name) {
  const xmlNode* n = Child(parent, name);
  if (!n) return Bad("missing '" + std::string(name) + "'");
  return Text(n, name);
}

vz::Result<uint64_t> Number(const std::string& s, std::string_view what) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return Bad("'" + std::string(what) + "' is not a number: '" + s + "'");
  }
  return v;
}

vz::Result<uint64_t> RequiredNumber(const xmlNode* parent,
                                    std::string_view name) {
  VZ_ASSIGN_OR_RETURN(std::string t, RequiredText(parent, name));
  return Number(t, name);
}

vz::Result<uint32_t> Number32(const xmlNode* parent, std::string_view name,
                              bool required) {
  if (!required && !Child(parent, name)) return 0u;
  VZ_ASSIGN_OR_RETURN(uint64_t v, RequiredNumber(parent, name));
  if (v > UINT32_MAX) return Bad("'" + std::string(name) + "' is too large");
  return static_cast<uint32_t>(v);
}

vz::Result<vz::Uuid> Guid(const xmlNode* parent, std::string_view name) {
  VZ_ASSIGN_OR_RETURN(std::string t, RequiredText(parent, name));
  auto u = vz::Uuid::Parse(t);
  if (!u.has_value())
    return Bad("'" + std::string(name) + "' is not a GUID: '" + t + "'");
  return *u;
}

int Depth(const xmlNode* n) {
  int d = 0;
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) d = std::max(d, Depth(c));
  }
  return d + 1;
}

bool HasEntities(const xmlNode* n) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type == XML_ENTITY_REF_NODE || c->type == XML_ENTITY_NODE ||
        c->type == XML_ENTITY_DECL || c->type == XML_DTD_NODE) {
      return true;
    }
    if (c->type == XML_ELEMENT_NODE && HasEntities(c)) return true;
  }
  return false;
}

vz::Status ParseParameters(const xmlNode* p, DiskDescriptor& dd) {
  if (!p) return Bad("missing 'Disk_Parameters'");
  if (Child(p, "Encryption")) return Bad("encrypted images are not supported");
  VZ_ASSIGN_OR_RETURN(dd.disk_size_sectors, RequiredNumber(p, "Disk_size"));
  VZ_ASSIGN_OR_RETURN(dd.cylinders, Number32(p, "Cylinders", false));
  VZ_ASSIGN_OR_RETURN(dd.heads, Number32(p, "Heads", false));
  VZ_ASSIGN_OR_RETURN(dd.sectors, Number32(p, "Sectors", false));
  if (Child(p, "Max_delta_size")) {
    VZ_ASSIGN_OR_RETURN(uint64_t m, RequiredNumber(p, "Max_delta_size"));
    dd.max_delta_size = m;
  }
  return vz::OkStatus();
}

vz::Status ParseStorage(const xmlNode* sd, DiskDescriptor& dd) {
  const xmlNode* st = Child(sd, "Storage");
  if (!st) return Bad("missing 'StorageData/Storage'");
  if (Children(sd, "Storage").size() != 1)
    return Bad("more than one 'Storage'");
  VZ_ASSIGN_OR_RETURN(dd.blocksize, Number32(st, "Blocksize", true));
  if (Child(st, "Preallocated")) {
    VZ_ASSIGN_OR_RETURN(uint32_t p, Number32(st, "Preallocated", true));
    dd.preallocated = p != 0;
  }
  for (const xmlNode* im : Children(st, "Image")) {
    DiskDescriptor::Image image;
    VZ_ASSIGN_OR_RETURN(image.guid, Guid(im, "GUID"));
    VZ_ASSIGN_OR_RETURN(std::string type, RequiredText(im, "Type"));
    if (type == "Compressed") {
      image.type = DeltaType::kCompressed;
    } else if (type == "Plain") {
      image.type = DeltaType::kPlain;
    } else {
      return Bad("unknown image type '" + type + "'");
    }
    VZ_ASSIGN_OR_RETURN(image.file, RequiredText(im, "File"));
    dd.images.push_back(std::move(image));
  }
  if (dd.images.empty()) return Bad("no 'Image'");
  return vz::OkStatus();
}

vz::Status ParseSnapshots(const xmlNode* sn, DiskDescriptor& dd) {
  if (!sn) return Bad("missing 'Snapshots'");
  VZ_ASSIGN_OR_RETURN(dd.top_guid, Guid(sn, "TopGUID"));
  for (const xmlNode* s : Children(sn, "Shot")) {
    DiskDescriptor::Shot shot;
    VZ_ASSIGN_OR_RETURN(shot.guid, Guid(s, "GUID"));
    VZ_ASSIGN_OR_RETURN(shot.parent, Guid(s, "ParentGUID"));
    shot.temporary = Child(s, "Temporary") != nullptr;
    if (const xmlNode* n = Child(s, "Name")) {
      VZ_ASSIGN_OR_RETURN(shot.name, Text(n, "Name"));
    }
    if (const xmlNode* d = Child(s, "Description")) {
      VZ_ASSIGN_OR_RETURN(shot.description, Text(d, "Description"));
    }
    dd.shots.push_back(std::move(shot));
  }
  return vz::OkStatus();
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\r':  // a literal CR would read back as LF (XML 1.0 §2.11)
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// True when `s` is UTF-8 made of characters XML 1.0 can carry (§2.2: no
// C0 controls but tab, LF, CR; no surrogates, U+FFFE or U+FFFF). Anything
// else would make FormatDiskDescriptor write a file nobody can read.
bool XmlText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<uint8_t>(s[i]);
    uint32_t cp = 0;
    size_t len = b < 0x80         ? 1
                 : (b >> 5) == 6  ? 2
                 : (b >> 4) == 14 ? 3
                 : (b >> 3) == 30 ? 4
                                  : 0;
    if (len == 0 || i + len > s.size()) return false;
    cp = len == 1 ? b : b & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto c = static_cast<uint8_t>(s[i + k]);
      if ((c >> 6) != 2) return false;
      cp = cp << 6 | (c & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF) return false;  // overlong, too big
    if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') return false;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
      return false;
    i += len;
  }
  return true;
}

bool PlainFileName(const std::string& f) {
  return !f.empty() && f != "." && f != ".." &&
         f.find('/') == std::string::npos && XmlText(f) &&
         f.find_first_of("\t\n\r") == std::string::npos && f != kDescriptorName;
}

}  // namespace

vz::Uuid TopDeltaGuid() {
  static const vz::Uuid kTop =
      *vz::Uuid::Parse("{5fbaabe3-6958-40ff-92a7-860e329aab41}");
  return kTop;
}

const DiskDescriptor::Image* DiskDescriptor::FindImage(
    const vz::Uuid& g) const {
  for (const auto& i : images) {
    if (i.guid == g) return &i;
  }
  return nullptr;
}
DiskDescriptor::Image* DiskDescriptor::FindImage(const vz::Uuid& g) {
  return const_cast<Image*>(
      static_cast<const DiskDescriptor*>(this)->FindImage(g));
}
const DiskDescriptor::Shot* DiskDescriptor::FindShot(const vz::Uuid& g) const {
  for (const auto& s : shots) {
    if (s.guid == g) return &s;
  }
  return nullptr;
}
DiskDescriptor::Shot* DiskDescriptor::FindShot(const vz::Uuid& g) {
  return const_cast<Shot*>(
      static_cast<const DiskDescriptor*>(this)->FindShot(g));
}

std::vector<vz::Uuid> DiskDescriptor::Children(const vz::Uuid& g) const {
  std::vector<vz::Uuid> out;
  for (const auto& s : shots) {
    if (s.parent == g) out.push_back(s.guid);
  }
  return out;
}

vz::Result<std::vector<const DiskDescriptor::Image*>> DiskDescriptor::Chain()
    const {
  std::vector<const Image*> chain;
  vz::Uuid cur = top_guid;
  while (!cur.is_nil()) {
    if (chain.size() > shots.size()) return Bad("snapshot tree has a cycle");
    const Shot* s = FindShot(cur);
    const Image* i = FindImage(cur);
    if (!s || !i)
      return Bad("no image or shot for GUID '" + cur.ToBraced() + "'");
    chain.push_back(i);
    cur = s->parent;
  }
  return std::vector<const Image*>(chain.rbegin(), chain.rend());
}

vz::Status DiskDescriptor::Validate() const {
  uint32_t b = blocksize;
  if (b < 8 || b > 65536 || (b & (b - 1))) {
    return Bad("invalid Blocksize " + std::to_string(b));
  }
  if (disk_size_sectors == 0) return Bad("Disk_size is 0");
  std::set<vz::Uuid> guids;
  std::set<std::string> files;
  for (const auto& i : images) {
    if (i.guid.is_nil()) return Bad("an image has the nil GUID");
    if (!guids.insert(i.guid).second)
      return Bad("duplicate image GUID '" + i.guid.ToBraced() + "'");
    if (!PlainFileName(i.file))
      return Bad("image file '" + i.file + "' is not a plain file name");
    if (!files.insert(i.file).second)
      return Bad("image file '" + i.file + "' listed twice");
    const Shot* s = FindShot(i.guid);
    if (!s) return Bad("no Shot for image '" + i.guid.ToBraced() + "'");
    if (i.type == DeltaType::kPlain && !s->parent.is_nil()) {
      return Bad("raw image '" + i.file + "' is not the base");
    }
  }
  if (shots.size() != images.size())
    return Bad("Shot entries do not match Image entries");
  for (const auto& s : shots) {
    if (!FindImage(s.guid))
      return Bad("Shot '" + s.guid.ToBraced() + "' has no Image");
    if (!XmlText(s.name) || !XmlText(s.description)) {
      return Bad("Shot '" + s.guid.ToBraced() +
                 "' has a name or description that is not valid UTF-8 text");
    }
    if (!s.parent.is_nil() && !FindShot(s.parent)) {
      return Bad("Shot '" + s.guid.ToBraced() + "' has an unknown parent");
    }
    // Every shot must reach the base without a cycle.
    vz::Uuid cur = s.guid;
    for (size_t steps = 0; !cur.is_nil(); ++steps) {
      if (steps > shots.size()) return Bad("snapshot tree has a cycle");
      cur = FindShot(cur)->parent;
    }
  }
  if (!FindImage(top_guid))
    return Bad("TopGUID '" + top_guid.ToBraced() + "' has no Image");
  size_t roots = 0;
  for (const auto& s : shots) roots += s.parent.is_nil() ? 1 : 0;
  if (roots != 1) return Bad("the snapshot tree must have exactly one base");
  return Chain().status();
}

vz::Result<DiskDescriptor> ParseDiskDescriptor(std::string_view xml) {
  if (xml.size() > kMaxDescriptorBytes) return Bad("larger than 1 MiB");
  auto doc = XmlDoc::Parse(xml, "DiskDescriptor.xml");
  if (!doc.has_value()) {
    const vz::Status& e = doc.error();
    if (e.code() == vz::Code::kInvalidArgument) return Bad(e.message());
    return vz::Status(e).WithExitCode(e.code() == vz::Code::kResourceExhausted
                                          ? kSysExitMalloc
                                          : kSysExitDiskDescr);
  }
  if (doc->has_doctype()) return Bad("DOCTYPE declarations are not allowed");
  const xmlNode* root = doc->root();
  if (!root) return Bad("empty document");
  DiskDescriptor dd;
  if (Name(root) == "Parallels_disk_image") {
    dd.root_name = "Parallels_disk_image";
  } else if (Name(root) != "Virtuozzo_disk_image") {
    return Bad("unknown root element '" + std::string(Name(root)) + "'");
  }
  if (Depth(root) > kMaxDepth) return Bad("nested too deeply");
  if (HasEntities(root)) return Bad("entities are not allowed");
  VZ_RETURN_IF_ERROR(ParseParameters(Child(root, "Disk_Parameters"), dd));
  VZ_RETURN_IF_ERROR(ParseStorage(Child(root, "StorageData"), dd));
  VZ_RETURN_IF_ERROR(ParseSnapshots(Child(root, "Snapshots"), dd));
  VZ_RETURN_IF_ERROR(dd.Validate());
  return dd;
}

std::string FormatDiskDescriptor(const DiskDescriptor& dd) {
  auto num = [](uint64_t v) { return std::to_string(v); };
  std::string x = "<?xml version=\"1.0\"?>\n<Virtuozzo_disk_image>\n";
  x += "  <Disk_Parameters>\n";
  x += "    <Disk_size>" + num(dd.disk_size_sectors) + "</Disk_size>\n";
  x += "    <Cylinders>" + num(dd.cylinders) + "</Cylinders>\n";
  x += "    <Heads>" + num(dd.heads) + "</Heads>\n";
  x += "    <Sectors>" + num(dd.sectors) + "</Sectors>\n";
  x += "    <Padding>0</Padding>\n";
  if (dd.max_delta_size)
    x += "    <Max_delta_size>" + num(*dd.max_delta_size) +
         "</Max_delta_size>\n";
  x += "  </Disk_Parameters>\n  <StorageData>\n    <Storage>\n";
  x += "      <Start>0</Start>\n";
  x += "      <End>" + num(dd.disk_size_sectors) + "</End>\n";
  x += "      <Blocksize>" + num(dd.blocksize) + "</Blocksize>\n";
  if (dd.preallocated) x += "      <Preallocated>1</Preallocated>\n";
  for (const auto& i : dd.images) {
    x += "      <Image>\n";
    x += "        <GUID>" + i.guid.ToBraced() + "</GUID>\n";
    x += std::string("        <Type>") +
         (i.type == DeltaType::kPlain ? "Plain" : "Compressed") + "</Type>\n";
    x += "        <File>" + Escape(i.file) + "</File>\n";
    x += "      </Image>\n";
  }
  x += "    </Storage>\n  </StorageData>\n  <Snapshots>\n";
  x += "    <TopGUID>" + dd.top_guid.ToBraced() + "</TopGUID>\n";
  for (const auto& s : dd.shots) {
    x += "    <Shot>\n";
    x += "      <GUID>" + s.guid.ToBraced() + "</GUID>\n";
    x += "      <ParentGUID>" + s.parent.ToBraced() + "</ParentGUID>\n";
    if (s.temporary) x += "      <Temporary/>\n";
    if (!s.name.empty()) x += "      <Name>" + Escape(s.name) + "</Name>\n";
    if (!s.description.empty())
      x += "      <Description>" + Escape(s.description) + "</Description>\n";
    x += "    </Shot>\n";
  }
  x += "  </Snapshots>\n</Virtuozzo_disk_image>\n";
  return x;
}

vz::Result<std::string> ReadDescriptorText(const std::string& path) {
  auto text = vz::ReadFile(path, kMaxDescriptorBytes);
  if (!text.has_value()) {
    vz::Status s = std::move(text).error();
    if (s.code() == vz::Code::kResourceExhausted)
      return Bad("'" + path + "' is larger than 1 MiB");
    return std::move(s).WithDefaultExitCode(kSysExitDiskDescr);
  }
  return text;
}

vz::Result<DiskDescriptor> ParseDiskDescriptorAt(const std::string& path,
                                                 std::string_view text) {
  auto dd = ParseDiskDescriptor(text);
  if (!dd.has_value())
    return std::move(dd).error().WithContext("'" + path + "'");
  return dd;
}

vz::Result<DiskDescriptor> ReadDiskDescriptor(const std::string& path) {
  VZ_ASSIGN_OR_RETURN(std::string text, ReadDescriptorText(path));
  return ParseDiskDescriptorAt(path, text);
}

vz::Status WriteDiskDescriptor(const std::string& path,
                               const DiskDescriptor& dd) {
  VZ_RETURN_IF_ERROR(dd.Validate());
  vz::Status s = vz::WriteFileAtomic(path, FormatDiskDescriptor(dd), 0644);
  return std::move(s).WithDefaultExitCode(kSysExitDiskDescr);
}

}  // namespace ploop
