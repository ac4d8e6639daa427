#include "common/json_writer.h"

#include <catch2/catch.hpp>
#include <string>

using conc::common::JsonWriter;

namespace {
std::string quoted(std::string_view s) {
  std::string out;
  conc::common::append_json_string(out, s);
  return out;
}
}  // namespace

TEST_CASE("JsonWriter places commas and colons") {
  JsonWriter w;
  w.begin_object()
      .key("name")
      .value("conc")
      .key("n")
      .value(3)
      .key("list")
      .begin_array()
      .value(true)
      .null()
      .value(1.5)
      .begin_object()
      .end_object()
      .end_array()
      .end_object();
  CHECK(w.str() == R"({"name":"conc","n":3,"list":[true,null,1.5,{}]})");
}

TEST_CASE("JSON strings escape controls and replace invalid UTF-8") {
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted("line\nfeed\ttab\x01") == R"("line\nfeed\ttab\u0001")");
  CHECK(quoted("Stra\xC3\x9F"
               "e") ==
        "\"Stra\xC3\x9F"
        "e\"");                                                 // valid UTF-8 kept
  CHECK(quoted("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");  // 4-byte emoji kept
  CHECK(quoted("bad\xFFyte") == R"("bad\ufffdyte")");
  CHECK(quoted("\xC0\xAF") == R"("\ufffd\ufffd")");            // overlong
  CHECK(quoted("\xED\xA0\x80") == R"("\ufffd\ufffd\ufffd")");  // surrogate
  CHECK(quoted("\xE2\x82") == R"("\ufffd\ufffd")");            // truncated
}

TEST_CASE("JSON string values are lossless: bytes that are not UTF-8 become base64") {
  const auto doc = [](std::string_view v) { return JsonWriter().value(v).take(); };
  CHECK(doc("x") == R"("x")");
  CHECK(doc("Stra\xC3\x9F"
            "e") ==
        "\"Stra\xC3\x9F"
        "e\"");
  CHECK(doc("") == R"("")");
  // Two names the lossy form would print alike ("x\ufffd") stay apart.
  CHECK(doc("x\xFF") == R"({"bytes":"eP8="})");
  CHECK(doc("x\xFE") == R"({"bytes":"eP4="})");
  // RFC 4648 test vectors, each made invalid UTF-8 by a leading 0xFF byte.
  CHECK(doc("\xFF") == R"({"bytes":"/w=="})");
  CHECK(doc("\xFF"
            "fo") == R"({"bytes":"/2Zv"})");
  CHECK(doc("\xFF"
            "foo") == R"({"bytes":"/2Zvbw=="})");
  CHECK(doc("\xFF"
            "foob") == R"({"bytes":"/2Zvb2I="})");
  CHECK(doc("\xED\xA0\x80") == R"({"bytes":"7aCA"})");         // a surrogate is not UTF-8
  CHECK(doc(std::string_view("a\0b", 3)) == R"("a\u0000b")");  // NUL is valid UTF-8: escaped
  // Keys are conc's own names: the lossy form is kept there.
  CHECK(JsonWriter().begin_object().key("k\xFF").value(1).end_object().take() == R"({"k\ufffd":1})");
}

TEST_CASE("is_valid_utf8 follows RFC 3629") {
  using conc::common::is_valid_utf8;
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
}
