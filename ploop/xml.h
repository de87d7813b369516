// XmlDoc: a parsed XML document (DiskDescriptor.xml, Snapshots.xml).
//
// libxml2 is loaded on the first Parse() (dlopen), not when a program
// starts: it and the libraries it pulls in (ICU, lzma, zlib) cost every
// vzctl and vz-monitor about 1 ms to map and relocate, and most of their
// runs (exec, status, a start's own part) parse no XML. The tree is read
// through libxml2's structures (xmlNode), which need no library call.
#pragma once

#include <string>
#include <string_view>

#include <libxml/tree.h>

#include "base/status.h"

namespace ploop {

class XmlDoc {
 public:
  // Parses `xml` without network access, DTD loading or entity
  // substitution, silently (no libxml2 output on stderr), CDATA as text.
  // `name` names the document in libxml2's messages. Errors:
  // kInvalidArgument "malformed XML: <libxml2's reason>";
  // kResourceExhausted when out of memory; kFailedPrecondition when
  // libxml2 cannot be loaded (the message names the library and why).
  static vz::Result<XmlDoc> Parse(std::string_view xml, const char* name);

  XmlDoc(XmlDoc&& other) noexcept : doc_(other.doc_) { other.doc_ = nullptr; }
  XmlDoc& operator=(XmlDoc&& other) noexcept;
  XmlDoc(const XmlDoc&) = delete;
  XmlDoc& operator=(const XmlDoc&) = delete;
  ~XmlDoc();

  // True when the document declares a DOCTYPE (internal or external).
  bool has_doctype() const;
  // The root element, or nullptr for a document without one.
  const xmlNode* root() const;

 private:
  explicit XmlDoc(xmlDoc* doc) : doc_(doc) {}
  xmlDoc* doc_;
};

// The text of `n` and its descendants, concatenated (xmlNodeGetContent
// without entity expansion: callers refuse entities).
std::string XmlText(const xmlNode* n);
// The value of attribute `name` of element `n`; "" when it has none.
std::string XmlAttr(const xmlNode* n, const char* name);

}  // namespace ploop
