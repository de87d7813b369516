#include "ploop/xml.h"

#include <gtest/gtest.h>

namespace ploop {
namespace {

TEST(XmlDoc, ReadsTextAndAttributesThroughTheTree) {
  auto doc = XmlDoc::Parse(
      "<a x=\"1 &amp; 2\"><b>he<![CDATA[ll]]>o</b><c/> <b>!</b></a>", "t");
  ASSERT_TRUE(doc.has_value()) << doc.error().message();
  const xmlNode* root = doc->root();
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(XmlAttr(root, "x"), "1 & 2");
  EXPECT_EQ(XmlAttr(root, "y"), "");
  EXPECT_EQ(XmlText(root), "hello !");
  EXPECT_FALSE(doc->has_doctype());
}

TEST(XmlDoc, MalformedInputIsInvalidArgumentWithTheReason) {
  auto doc = XmlDoc::Parse("<a><b></a>", "t");
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().code(), vz::Code::kInvalidArgument);
  EXPECT_EQ(doc.error().message().rfind("malformed XML: ", 0), 0u);
}

TEST(XmlDoc, DoctypeIsReportedNotLoaded) {
  auto doc = XmlDoc::Parse(
      "<!DOCTYPE a SYSTEM \"http://example.invalid/a.dtd\"><a/>", "t");
  ASSERT_TRUE(doc.has_value()) << doc.error().message();
  EXPECT_TRUE(doc->has_doctype());
}

TEST(XmlDoc, MovedDocumentIsFreedOnce) {
  auto doc = XmlDoc::Parse("<a/>", "t");
  ASSERT_TRUE(doc.has_value());
  XmlDoc moved = std::move(*doc);
  ASSERT_NE(moved.root(), nullptr);
}

}  // namespace
}  // namespace ploop
