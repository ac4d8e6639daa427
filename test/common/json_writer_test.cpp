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
  CHECK(quoted("Stra\xC3\x9F" "e") == "\"Stra\xC3\x9F" "e\"");   // valid UTF-8 kept
  CHECK(quoted("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");  // 4-byte emoji kept
  CHECK(quoted("bad\xFFyte") == R"("bad\ufffdyte")");
  CHECK(quoted("\xC0\xAF") == R"("\ufffd\ufffd")");  // overlong
  CHECK(quoted("\xED\xA0\x80") == R"("\ufffd\ufffd\ufffd")");  // surrogate
  CHECK(quoted("\xE2\x82") == R"("\ufffd\ufffd")");  // truncated
}
