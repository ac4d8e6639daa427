#include "crawl/percent_encoding.h"

#include <catch2/catch.hpp>
#include <string>

using conc::crawl::normalize_percent_encoding;
using conc::crawl::percent_decode;

TEST_CASE("percent-encoding: unreserved decoded, others upper-cased, reserved kept") {
  CHECK(normalize_percent_encoding("%41%7a%30%2D%2e%5F%7E") == "Az0-._~");
  CHECK(normalize_percent_encoding("%2f%3A%3f%23%5b%5D%40%21%24%26%27%28%29%2a%2B%2c%3b%3d%25") ==
        "%2F%3A%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25");
  CHECK(normalize_percent_encoding("%e3%83%84") == "%E3%83%84");
  CHECK(normalize_percent_encoding(":/?#[]@!$&'()*+,;=") == ":/?#[]@!$&'()*+,;=");
}

TEST_CASE("percent-encoding: stray '%' and bytes outside URIs are encoded") {
  CHECK(normalize_percent_encoding("%") == "%25");
  CHECK(normalize_percent_encoding("%4") == "%254");
  CHECK(normalize_percent_encoding("%g0%0g") == "%25g0%250g");
  CHECK(normalize_percent_encoding(std::string("a\0b", 3)) == "a%00b");
  CHECK(normalize_percent_encoding(" \"<>\\^`{|}\x7F\x80\xFF") == "%20%22%3C%3E%5C%5E%60%7B%7C%7D%7F%80%FF");
  CHECK(normalize_percent_encoding("\xE3\x83\x84") == "%E3%83%84");
}

TEST_CASE("percent-encoding: idempotent on every byte") {
  for (int b = 0; b < 256; ++b) {
    const std::string s = "x" + std::string(1, static_cast<char>(b)) + "%" + std::string(1, static_cast<char>(b)) + "0";
    const std::string once = normalize_percent_encoding(s);
    INFO(b);
    CHECK(normalize_percent_encoding(once) == once);
  }
}

TEST_CASE("percent_decode") {
  CHECK(percent_decode("caf%C3%A9%20x") == "caf\xC3\xA9 x");
  CHECK(percent_decode("%zz%4") == "%zz%4");
  CHECK(percent_decode("%2F") == "/");
}
