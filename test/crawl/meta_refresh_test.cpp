#include "crawl/meta_refresh.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string_view>

using conc::crawl::meta_refresh_url;

namespace {
std::optional<std::string_view> none = std::nullopt;
}

TEST_CASE("meta refresh: the forms pages use") {
  CHECK(meta_refresh_url("0;url=/x") == "/x");
  CHECK(meta_refresh_url("5; URL='/y'") == "/y");
  CHECK(meta_refresh_url("5; url=\"/z\" trailing") == "/z");
  CHECK(meta_refresh_url("0; Url = http://example.org/a b ") == "http://example.org/a b");
  CHECK(meta_refresh_url("3,url=/c") == "/c");
  CHECK(meta_refresh_url("3 url=/d") == "/d");
  CHECK(meta_refresh_url("0; http://example.org/") == "http://example.org/");
  CHECK(meta_refresh_url("0;'/quoted'") == "/quoted");
  CHECK(meta_refresh_url("1.5; url=/e") == "/e");
  CHECK(meta_refresh_url(".5;url=/f") == "/f");
  CHECK(meta_refresh_url("  7 ;  url=/g") == "/g");
}

TEST_CASE("meta refresh: a bare `url` without '=' is the URL itself") {
  CHECK(meta_refresh_url("0; url") == "url");
  CHECK(meta_refresh_url("0; urlx") == "urlx");
  CHECK(meta_refresh_url("0; uri=/x") == "uri=/x");
}

TEST_CASE("meta refresh: no URL") {
  CHECK(meta_refresh_url("5") == none);  // reloads the page itself
  CHECK(meta_refresh_url("5;") == none);
  CHECK(meta_refresh_url("5; url=") == none);
  CHECK(meta_refresh_url("5; url=''") == none);
  CHECK(meta_refresh_url("") == none);
  CHECK(meta_refresh_url("url=/x") == none);  // no time: invalid
  CHECK(meta_refresh_url("-1; url=/x") == none);
  CHECK(meta_refresh_url("5x; url=/x") == none);
}
