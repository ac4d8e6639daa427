// run_crawl over crawl_server.py's generated site: every strategy at -j 1, 2
// and 8 finds exactly what the generator's expectation says (URLs,
// statuses, depths, referrers, broken links with every linking line), and
// writes byte-identical reports.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "common/diagnostics.h"
#include "common/output.h"
#include "crawl/crawl.h"
#include "crawl/report.h"
#include "http_server.h"
#include "process.h"
#include "temp_dir.h"

using conc::common::Json;
using conc::crawl::Record;
using conc::test::HttpServer;

namespace {

struct Crawled {
  conc::crawl::Result result;
  std::string jsonl;  ///< the report as `--format jsonl` writes it
  std::vector<std::string> diagnostics;
};

Crawled crawl(const HttpServer& server, conc::crawl::Strategy strategy, std::size_t threads) {
  conc::crawl::Options o;
  o.start_urls = {server.url("/")};
  o.strategy = strategy;
  o.threads = threads;
  o.politeness.per_host = 8;
  o.check_fragments = true;
  o.request.timeout = std::chrono::seconds(10);
  Crawled c;
  conc::common::Diagnostics diag("crawl", [&](std::string_view line) { c.diagnostics.emplace_back(line); });
  c.result = conc::crawl::run_crawl(o, diag, {}, nullptr);
  conc::test::TempDir dir;
  const std::string path = (dir.path / "report.jsonl").string();
  {
    conc::common::Output out(path);
    conc::crawl::write_report(out, c.result.records, c.result.summary, {conc::crawl::Format::kJsonl});
    out.commit();
  }
  c.jsonl = conc::test::slurp(path);
  return c;
}

std::string string_or_empty(const Json& j) { return j.is_null() ? std::string() : j.string(); }

// The media type alone: records keep Content-Type without its parameters.
std::string media_type(const std::string& content_type) { return content_type.substr(0, content_type.find(';')); }

void check_against(const Json& expect, const Crawled& c) {
  std::map<std::string, const Record*> by_url;
  for (const auto& r : c.result.records) by_url[r.url] = &r;

  std::size_t expected_records = expect.at("urls").size();
  for (const auto& u : expect.at("urls").array()) {
    const std::string& url = u.at("url").string();
    INFO(url);
    const auto it = by_url.find(url);
    REQUIRE(it != by_url.end());
    const Record& r = *it->second;
    CHECK(r.status == u.at("status").integer());
    CHECK(r.depth == static_cast<std::size_t>(u.at("depth").integer()));
    CHECK(r.referrer == string_or_empty(u.at("referrer")));
    CHECK(r.content_type == media_type(u.at("content_type").string()));
    CHECK(r.error.empty());
  }
  for (const auto& b : expect.at("broken").array()) {
    const std::string& url = b.at("url").string();
    INFO(url);
    const auto it = by_url.find(url);
    REQUIRE(it != by_url.end());
    const Record& r = *it->second;
    CHECK(r.broken);
    CHECK(r.status == b.at("status").integer());
    if (!b.at("error").is_null()) {
      ++expected_records;  // a missing fragment is a record of its own
      CHECK(r.error == b.at("error").string());
    }
    std::vector<conc::crawl::Referrer> referrers;
    for (const auto& p : b.at("referrers").array()) {
      referrers.push_back({p.at("url").string(), static_cast<std::uint32_t>(p.at("line").integer())});
    }
    CHECK(r.referrers == referrers);
  }
  CHECK(c.result.records.size() == expected_records);
  CHECK(c.result.summary.pages == static_cast<std::uint64_t>(expect.at("pages").integer()));
  CHECK(c.result.summary.skipped_schemes == static_cast<std::uint64_t>(expect.at("skipped_schemes").integer()));
  CHECK(c.result.summary.broken == expect.at("broken").size());
  CHECK(c.result.summary.errors == 0);
  CHECK(c.diagnostics.empty());
}

}  // namespace

TEST_CASE("crawl of a generated site: every strategy and -j finds exactly the expected URLs, byte-identically") {
  conc::test::TempDir dir;
  const std::string expect_path = (dir.path / "expect.json").string();
  HttpServer server({"--site", "250", "--seed", "11", "--expect", expect_path});
  const Json expect = Json::parse(conc::test::slurp(expect_path));
  REQUIRE(expect.at("pages").integer() == 250);
  REQUIRE(expect.at("broken").size() > 10);  // the site has both kinds of broken link
  REQUIRE(expect.at("max_depth").integer() >= 3);

  std::string first_jsonl;
  for (const auto& info : conc::crawl::strategies()) {
    for (const std::size_t threads : {1, 2, 8}) {
      INFO(std::string(info.name) << " -j " << threads);
      const Crawled c = crawl(server, info.id, threads);
      check_against(expect, c);
      if (first_jsonl.empty()) {
        first_jsonl = c.jsonl;
        REQUIRE(!first_jsonl.empty());
      } else {
        CHECK(c.jsonl == first_jsonl);
      }
    }
  }
  // Each URL was fetched once per crawl (plus robots.txt), whatever the
  // strategy: 12 crawls, and nothing requested twice within one.
  const auto stats = server.stats();
  const auto runs = static_cast<long long>(conc::crawl::strategies().size() * 3);
  CHECK(stats.requests("/") == runs);
  CHECK(stats.requests("/robots.txt") == runs);
  CHECK(stats.requests() == runs * static_cast<long long>(expect.at("urls").size() + 1));
}

TEST_CASE("crawl --sitemap: robots.txt's Sitemap: line, an index, a .xml.gz, seeded at depth 0 in every strategy") {
  HttpServer server({"--sitemap", "--robots"});
  const std::vector<std::string> expected = {server.url("/from-sitemap/1.html"),
                                             server.url("/from-sitemap/2.html"),
                                             server.url("/from-sitemap/3.html"),
                                             server.url("/from-sitemap/4.html"),
                                             server.url("/from-sitemap/5.html"),
                                             server.url("/from-sitemap/6.html"),
                                             server.url("/ok"),
                                             server.url("/ok?from=sitemap")};
  for (const bool robots : {true, false}) {
    for (const auto& info : conc::crawl::strategies()) {
      INFO(std::string(info.name) << (robots ? "" : " --no-robots: /sitemap.xml"));
      server.reset();
      conc::crawl::Options o;
      o.start_urls = {server.url("/ok")};
      o.strategy = info.id;
      o.sitemap = true;
      o.robots = robots;
      std::vector<std::string> diagnostics;
      conc::common::Diagnostics diag("crawl", [&](std::string_view line) { diagnostics.emplace_back(line); });
      const auto result = conc::crawl::run_crawl(o, diag, {}, nullptr);
      std::vector<std::string> urls;
      for (const auto& r : result.records) {
        urls.push_back(r.url);
        CHECK(r.status == 200);
        CHECK(r.depth == (r.url == server.url("/ok?from=sitemap") ? 1u : 0u));
      }
      CHECK(urls == expected);
      CHECK(result.summary.sitemaps == 3);
      CHECK(result.summary.sitemap_urls == 6);
      CHECK(diagnostics.empty());
      const auto stats = server.stats();
      for (const char* path : {"/sitemap.xml", "/sitemap-pages.xml", "/sitemap-more.xml.gz"}) {
        CHECK(stats.requests(path) == 1);
      }
      CHECK(stats.requests("/robots.txt") == (robots ? 1 : 0));
      CHECK(static_cast<long long>(result.summary.requests) == stats.requests());
    }
  }
}

TEST_CASE("crawl --sitemap: a site without one is crawled as usual, without a warning") {
  HttpServer server;
  conc::crawl::Options o;
  o.start_urls = {server.url("/ok")};
  o.sitemap = true;
  std::vector<std::string> diagnostics;
  conc::common::Diagnostics diag("crawl", [&](std::string_view line) { diagnostics.emplace_back(line); });
  const auto result = conc::crawl::run_crawl(o, diag, {}, nullptr);
  REQUIRE(result.records.size() == 1);
  CHECK(result.summary.sitemaps == 0);
  CHECK(result.summary.requests == 3);  // robots.txt, /sitemap.xml (404) and /ok
  CHECK(server.stats().requests("/sitemap.xml") == 1);
  CHECK(diagnostics.empty());
}
