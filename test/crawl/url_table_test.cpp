#include "crawl/url_table.h"

#include <catch2/catch.hpp>
#include <string>
#include <unordered_map>
#include <vector>

using conc::crawl::UrlTable;

TEST_CASE("UrlTable gives each distinct URL one dense id, in order of first sight") {
  UrlTable t;
  CHECK(t.intern("http://a/") == std::pair<UrlTable::Id, bool>{0, true});
  CHECK(t.intern("http://a/x") == std::pair<UrlTable::Id, bool>{1, true});
  CHECK(t.intern("http://a/") == std::pair<UrlTable::Id, bool>{0, false});
  CHECK(t.intern("") == std::pair<UrlTable::Id, bool>{2, true});
  CHECK(t.size() == 3);
  CHECK(t[0] == "http://a/");
  CHECK(t[1] == "http://a/x");
  CHECK(t[2].empty());
  CHECK(t.find("http://a/x") == std::optional<UrlTable::Id>{1});
  CHECK(t.find("http://a/y") == std::nullopt);
  CHECK(UrlTable{}.find("x") == std::nullopt);
}

TEST_CASE("UrlTable keeps every string where it was through growth and long URLs") {
  UrlTable t;
  std::vector<std::string> urls;
  std::vector<std::string_view> views;
  for (int i = 0; i < 50000; ++i) {
    // Every 1000th is longer than an arena chunk (64 KiB): it gets its own,
    // and the short ones after it must still land in the current chunk.
    std::string url = "http://example.com/page/" + std::to_string(i);
    if (i % 1000 == 999) url += std::string(70000, 'x');
    const auto [id, fresh] = t.intern(url);
    REQUIRE(fresh);
    REQUIRE(id == urls.size());
    urls.push_back(url);
    views.push_back(t[id]);
  }
  int wrong = 0;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const auto id = static_cast<UrlTable::Id>(i);
    wrong += t[id] != urls[i] || t[id].data() != views[i].data() || t.find(urls[i]) != std::optional{id} ||
             t.intern(urls[i]).second;
  }
  CHECK(wrong == 0);
  CHECK(t.size() == urls.size());
}

TEST_CASE("UrlTable's memory stays near the URLs' own bytes") {
  UrlTable t;
  std::size_t text = 0;
  for (int i = 0; i < 100000; ++i) {
    const std::string url =
        "http://127.0.0.1:8080/section-" + std::to_string(i % 97) + "/page-" + std::to_string(i) + ".html";
    text += url.size();
    t.intern(url);
  }
  const double per_url = static_cast<double>(t.bytes_used() - text) / static_cast<double>(t.size());
  INFO("overhead per URL: " << per_url << " bytes");
  CHECK(per_url < 48);  // 16 (view) + 4 (hash) + 8 (slots at half load) + arena slack and doubling
}

TEST_CASE("UrlTable: the empty string first of all (the crawl's texts and fragments start so)") {
  UrlTable t;
  CHECK(t.intern("") == std::pair<UrlTable::Id, bool>{0, true});
  CHECK(t.intern("x") == std::pair<UrlTable::Id, bool>{1, true});
  CHECK(t.intern("") == std::pair<UrlTable::Id, bool>{0, false});
  CHECK(t[0].empty());
  CHECK(t[1] == "x");
}
