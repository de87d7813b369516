#include "libvz/snapshot/snapshots_xml.h"

#include <ctime>

#include <libxml/tree.h>

#include "base/file_util.h"
#include "libvz/exit_codes.h"
#include "libvz/util/rfc3339.h"
#include "ploop/xml.h"

namespace vz::snapshot {
namespace {

constexpr int kMaxDepth = 64;
constexpr char kTimeFormat[] = "%Y-%m-%d %H:%M:%S";

Status Bad(const std::string& why) {
  return InvalidArgumentError("Snapshots.xml: " + why)
      .WithExitCode(kVzInvalidConfig);
}

std::string_view Name(const xmlNode* n) {
  return reinterpret_cast<const char*>(n->name);
}

std::string Text(const xmlNode* n) { return ploop::XmlText(n); }
std::string Attr(const xmlNode* n, const char* name) {
  return ploop::XmlAttr(n, name);
}

// "YYYY-MM-DD HH:MM:SS", UTC, as vzctl writes CreateTime.
std::string FormatTime(std::chrono::system_clock::time_point t) {
  return util::FormatUtc(t, kTimeFormat);
}

Result<std::chrono::system_clock::time_point> ParseTime(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), kTimeFormat, &tm);
  if (!end || *end) return Bad("bad CreateTime '" + s + "'");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
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
      default:
        out += c;
    }
  }
  return out;
}

Status ParseItem(const xmlNode* item, const Uuid& parent, int depth,
                 std::vector<Record>& out) {
  if (depth > kMaxDepth) return Bad("nested too deeply");
  Record r;
  auto guid = Uuid::Parse(Attr(item, "guid"));
  if (!guid) return Bad("bad guid '" + Attr(item, "guid") + "'");
  r.guid = *guid;
  r.parent = parent;
  r.current = Attr(item, "Current") == "yes";
  std::vector<const xmlNode*> children;
  for (const xmlNode* c = item->children; c; c = c->next) {
    if (c->type == XML_ENTITY_REF_NODE) return Bad("entities are not allowed");
    if (c->type != XML_ELEMENT_NODE) continue;
    if (Name(c) == "Name") {
      r.name = Text(c);
    } else if (Name(c) == "Description") {
      r.description = Text(c);
    } else if (Name(c) == "CreateTime") {
      VZ_ASSIGN_OR_RETURN(r.created, ParseTime(Text(c)));
    } else if (Name(c) == "SavedStateItem") {
      children.push_back(c);
    }
  }
  out.push_back(r);
  for (const xmlNode* c : children) {
    VZ_RETURN_IF_ERROR(ParseItem(c, r.guid, depth + 1, out));
  }
  return OkStatus();
}

void FormatItem(const std::vector<Record>& all, const Record& r, int depth,
                std::string& x) {
  std::string pad(static_cast<size_t>(2 * depth), ' ');
  x += pad + "<SavedStateItem guid=\"" + r.guid.ToBraced() + "\" Current=\"" +
       (r.current ? "yes" : "no") + "\">\n";
  x += pad + "  <CreateTime>" + FormatTime(r.created) + "</CreateTime>\n";
  x += pad + "  <Name>" + Escape(r.name) + "</Name>\n";
  x += pad + "  <Description>" + Escape(r.description) + "</Description>\n";
  for (const auto& c : all) {
    if (c.parent == r.guid) FormatItem(all, c, depth + 1, x);
  }
  x += pad + "</SavedStateItem>\n";
}

}  // namespace

Result<std::vector<Record>> ParseSnapshotsXml(std::string_view xml) {
  if (xml.size() > kMaxSnapshotsXml) return Bad("larger than 1 MiB");
  auto doc = ploop::XmlDoc::Parse(xml, "Snapshots.xml");
  if (!doc.has_value()) {
    if (doc.error().code() == Code::kInvalidArgument)
      return Bad("malformed XML");
    return std::move(doc).error();
  }
  if (doc->has_doctype()) return Bad("DOCTYPE is not allowed");
  const xmlNode* root = doc->root();
  if (!root || Name(root) != "ParallelsSavedStates") {
    return Bad("the root element must be ParallelsSavedStates");
  }
  std::vector<Record> out;
  for (const xmlNode* c = root->children; c; c = c->next) {
    if (c->type == XML_ENTITY_REF_NODE) return Bad("entities are not allowed");
    if (c->type != XML_ELEMENT_NODE || Name(c) != "SavedStateItem") continue;
    VZ_RETURN_IF_ERROR(ParseItem(c, Uuid(), 1, out));
  }
  return out;
}

std::string FormatSnapshotsXml(const std::vector<Record>& records) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<ParallelsSavedStates>\n";
  for (const auto& r : records) {
    if (r.parent.is_nil()) FormatItem(records, r, 1, x);
  }
  x += "</ParallelsSavedStates>\n";
  return x;
}

Result<std::vector<Record>> ReadSnapshotsXml(const std::string& path) {
  if (!PathExists(path)) return std::vector<Record>();
  VZ_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxSnapshotsXml + 1));
  return ParseSnapshotsXml(text);
}

Status WriteSnapshotsXml(const std::string& path,
                         const std::vector<Record>& records) {
  return WriteFileAtomic(path, FormatSnapshotsXml(records), 0600);
}

}  // namespace vz::snapshot
