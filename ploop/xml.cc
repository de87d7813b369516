#include "ploop/xml.h"

#include <cstring>

#include <libxml/parser.h>
#include <libxml/xmlversion.h>

#include "base/shared_library.h"

namespace ploop {
namespace {

// The soname loaded below must match the headers built against: libxml2
// 2.14 renamed its library.
static_assert(LIBXML_VERSION < 21400, "libxml2.so.2 is libxml2 before 2.14");

// The libxml2 calls we make, resolved once per process.
struct XmlApi {
  decltype(&xmlInitParser) init_parser;
  decltype(&xmlNewParserCtxt) new_ctxt;
  decltype(&xmlFreeParserCtxt) free_ctxt;
  decltype(&xmlCtxtReadMemory) read_memory;
  decltype(&xmlCtxtGetLastError) last_error;
  decltype(&xmlFreeDoc) free_doc;
};

// Loads, resolves and initialises libxml2 once per process.
vz::Result<const XmlApi*> LoadXmlApi() {
  static const vz::Result<XmlApi> api = []() -> vz::Result<XmlApi> {
    VZ_ASSIGN_OR_RETURN(void* lib,
                        vz::OpenSharedLibrary("libxml2.so.2", "libxml2"));
    XmlApi a;
    VZ_RETURN_IF_ERROR(vz::ResolveSymbol(lib, "xmlInitParser", &a.init_parser));
    VZ_RETURN_IF_ERROR(vz::ResolveSymbol(lib, "xmlNewParserCtxt", &a.new_ctxt));
    VZ_RETURN_IF_ERROR(
        vz::ResolveSymbol(lib, "xmlFreeParserCtxt", &a.free_ctxt));
    VZ_RETURN_IF_ERROR(
        vz::ResolveSymbol(lib, "xmlCtxtReadMemory", &a.read_memory));
    VZ_RETURN_IF_ERROR(
        vz::ResolveSymbol(lib, "xmlCtxtGetLastError", &a.last_error));
    VZ_RETURN_IF_ERROR(vz::ResolveSymbol(lib, "xmlFreeDoc", &a.free_doc));
    a.init_parser();
    return a;
  }();
  if (!api.has_value()) return api.error();
  return &*api;
}

void AppendText(const xmlNode* n, std::string* out) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (c->content) *out += reinterpret_cast<const char*>(c->content);
    } else if (c->type == XML_ELEMENT_NODE) {
      AppendText(c, out);
    }
  }
}

}  // namespace

vz::Result<XmlDoc> XmlDoc::Parse(std::string_view xml, const char* name) {
  VZ_ASSIGN_OR_RETURN(const XmlApi* api, LoadXmlApi());
  xmlParserCtxt* ctxt = api->new_ctxt();
  if (!ctxt) return vz::ResourceExhaustedError("out of memory");
  int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
             XML_PARSE_NOCDATA;
  xmlDoc* doc = api->read_memory(ctxt, xml.data(), static_cast<int>(xml.size()),
                                 name, nullptr, opts);
  if (!doc) {
    const xmlError* e = api->last_error(ctxt);
    std::string msg = e && e->message ? e->message : "parse error";
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    api->free_ctxt(ctxt);
    return vz::InvalidArgumentError("malformed XML: " + msg);
  }
  api->free_ctxt(ctxt);
  return XmlDoc(doc);
}

XmlDoc& XmlDoc::operator=(XmlDoc&& other) noexcept {
  if (this != &other) {
    XmlDoc old(doc_);
    doc_ = other.doc_;
    other.doc_ = nullptr;
  }
  return *this;
}

XmlDoc::~XmlDoc() {
  // A document exists only once the library loaded.
  if (doc_) (*LoadXmlApi())->free_doc(doc_);
}

bool XmlDoc::has_doctype() const {
  return doc_->intSubset != nullptr || doc_->extSubset != nullptr;
}

const xmlNode* XmlDoc::root() const {
  for (const xmlNode* c = doc_->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return c;
  }
  return nullptr;
}

std::string XmlText(const xmlNode* n) {
  std::string out;
  AppendText(n, &out);
  return out;
}

std::string XmlAttr(const xmlNode* n, const char* name) {
  for (const xmlAttr* a = n->properties; a; a = a->next) {
    if (std::strcmp(reinterpret_cast<const char*>(a->name), name) != 0) {
      continue;
    }
    std::string out;
    for (const xmlNode* c = a->children; c; c = c->next) {
      if (c->type == XML_TEXT_NODE && c->content)
        out += reinterpret_cast<const char*>(c->content);
    }
    return out;
  }
  return "";
}

}  // namespace ploop
