// common/json_reader.h: the JSON reader conc bench and the tests read reports with.
#include "common/json_reader.h"
#include "common/json_writer.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using conc::common::Json;

TEST_CASE("Json::parse reads every kind of value") {
  const Json v = Json::parse(R"( {"a": [1, -2.5e1, true, false, null], "s": "x\"\\\/\n\u00e9\ud83d\ude00",
                                 "o": {}, "e": [], "a": 7} )");
  CHECK(v.size() == 4);
  CHECK(v.at("a").integer() == 7);  // a repeated key: the last wins
  CHECK(v.at("s").string() == "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(v.at("o").is_object());
  CHECK(v.at("o").size() == 0);
  CHECK(v.at("e").array().empty());
  CHECK(v.find("missing") == nullptr);
  CHECK_THROWS_AS(v.at("missing"), std::runtime_error);

  const Json a = Json::parse("[1, -2.5e-1, true, false, null, \"\"]");
  CHECK(a.at(std::size_t{0}).integer() == 1);
  CHECK(a.at(1).number() == -0.25);
  CHECK_THROWS_AS(a.at(1).integer(), std::runtime_error);
  CHECK(a.at(2).boolean());
  CHECK_FALSE(a.at(3).boolean());
  CHECK(a.at(4).is_null());
  CHECK(a.at(5).string().empty());
  CHECK_THROWS_AS(a.at(6), std::runtime_error);
  CHECK_THROWS_AS(a.at(0).string(), std::runtime_error);
}

TEST_CASE("Json::parse rejects what is not JSON, saying where") {
  for (const std::string bad : {"", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "tru", "01x", "\"\\x\"", "\"a", "1 2",
                                "\"\\ud800\"", "-", "1.", "{1: 2}", "\"tab\there\""}) {
    INFO(bad);
    CHECK_THROWS_AS(Json::parse(bad), std::runtime_error);
  }
  CHECK_THROWS_WITH(Json::parse("[1, x]"), "JSON: unexpected character at byte 4");
  CHECK_THROWS_AS(Json::parse(std::string(300, '[') + std::string(300, ']')), std::runtime_error);
  CHECK_NOTHROW(Json::parse(std::string(200, '[') + std::string(200, ']')));
}

TEST_CASE("a string holding bytes that are not UTF-8 is refused, in a key or a value (found by the fuzzer)") {
  CHECK_THROWS_AS(Json::parse("{\"k\xa5\":1}"), std::runtime_error);
  CHECK_THROWS_AS(Json::parse("[\"\xff\"]"), std::runtime_error);
  CHECK_THROWS_AS(Json::parse("\"\xc3\""), std::runtime_error);  // a sequence cut short
  CHECK(Json::parse("\"caf\xc3\xa9\"").string() == "caf\xc3\xa9");
}

TEST_CASE("lossless_bytes reads back what JsonWriter::value wrote, UTF-8 or not") {
  std::vector<std::string> samples = {"", "plain", "caf\xc3\xa9", "\xff", "a\xff", "ab\xff", "abc\xff\xfe\x80"};
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes += static_cast<char>(c);
  samples.push_back(all_bytes);
  for (const auto& bytes : samples) {
    INFO(bytes.size() << " bytes");
    conc::common::JsonWriter w;
    w.value(bytes);
    CHECK(conc::common::lossless_bytes(Json::parse(w.str())) == bytes);
  }
  for (const std::string bad : {"1", "{\"bytes\":\"abc\"}", "{\"bytes\":\"ab!=\"}", "{\"bytes\":1}", "{\"x\":\"\"}",
                                "{\"bytes\":\"\",\"x\":1}"}) {
    INFO(bad);
    CHECK_THROWS_AS(conc::common::lossless_bytes(Json::parse(bad)), std::runtime_error);
  }
}
