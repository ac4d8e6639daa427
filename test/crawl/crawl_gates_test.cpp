// What every URL passes before it is fetched, redirect targets and
// --max-pages included, and what --stream reports.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/diagnostics.h"
#include "crawl/crawl.h"
#include "http_server.h"
#include "temp_dir.h"

using conc::crawl::Record;
using conc::test::HttpServer;

namespace {

struct Run {
  conc::crawl::Result result;
  std::vector<Record> streamed;
  std::vector<std::string> diagnostics;
};

Run crawl(conc::crawl::Options o, bool stream = false) {
  o.request.timeout = std::chrono::seconds(10);
  Run run;
  conc::common::Diagnostics diag("crawl", [&](std::string_view line) { run.diagnostics.emplace_back(line); });
  conc::crawl::RecordSink sink;
  if (stream) sink = [&](const Record& r) { run.streamed.push_back(r); };
  run.result = conc::crawl::run_crawl(o, diag, {}, nullptr, sink);
  return run;
}

const Record* find(const std::vector<Record>& records, const std::string& url) {
  const auto it = std::find_if(records.begin(), records.end(), [&](const Record& r) { return r.url == url; });
  return it == records.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("crawl: a redirect target passes robots.txt and --exclude like a link") {
  HttpServer server({"--robots"});  // Disallow: /private/
  conc::crawl::Options o;
  o.start_urls = {server.url("/redirect/private/a"), server.url("/redirect/ok")};
  o.exclude = {"/ok$"};
  const Run run = crawl(o);
  const auto stats = server.stats();
  CHECK(stats.requests("/private/a") == 0);
  CHECK(stats.requests("/ok") == 0);
  CHECK(run.result.summary.robots_disallowed == 1);
  CHECK(run.result.summary.cut_filters == 1);
  const Record* disallowed = find(run.result.records, server.url("/redirect/private/a"));
  const Record* excluded = find(run.result.records, server.url("/redirect/ok"));
  REQUIRE(disallowed != nullptr);
  REQUIRE(excluded != nullptr);
  CHECK(disallowed->error == "redirect target disallowed by robots.txt");
  CHECK(excluded->error == "redirect target excluded by --exclude");
  CHECK(run.result.records.size() == 2);  // the targets were never fetched: no records of their own
}

TEST_CASE("crawl: URLs robots.txt disallows do not use up --max-pages") {
  HttpServer server({"--robots"});
  conc::crawl::Options o;
  o.start_urls = {server.url("/private/a"), server.url("/private/b"), server.url("/status/200")};
  o.max_pages = 1;
  const Run run = crawl(o);
  REQUIRE(run.result.records.size() == 1);
  CHECK(run.result.records[0].url == server.url("/status/200"));
  CHECK(run.result.summary.robots_disallowed == 2);
  CHECK(run.result.summary.cut_max_pages == 0);
}

TEST_CASE("crawl --stream gives the records of a whole crawl, missing fragments included") {
  HttpServer server({"--site", "60", "--seed", "4"});
  conc::crawl::Options o;
  o.start_urls = {server.url("/")};
  o.check_fragments = true;
  const Run whole = crawl(o);
  const Run streamed = crawl(o, true);
  CHECK(streamed.result.records.empty());
  std::vector<std::pair<std::string, bool>> a;
  std::vector<std::pair<std::string, bool>> b;
  for (const auto& r : whole.result.records) a.emplace_back(r.url, r.broken);
  for (const auto& r : streamed.streamed) b.emplace_back(r.url, r.broken);
  std::sort(b.begin(), b.end());
  CHECK(b == a);
  CHECK(std::any_of(b.begin(), b.end(), [](const auto& p) { return p.first.find("#nosuch") != std::string::npos; }));
  CHECK(streamed.result.summary.broken == whole.result.summary.broken);
  CHECK(streamed.result.summary.urls == whole.result.summary.urls);
}

TEST_CASE("crawl: -H headers go to hosts in scope only, never to the sites a page links to") {
  HttpServer site;
  HttpServer other;
  conc::crawl::Options o;
  const std::string own = site.url("/needs-header");
  const std::string foreign = other.url("/needs-header");
  o.start_urls = {site.url("/links?to=" + own + "&to=" + foreign)};
  o.check_external = true;
  o.request.headers = {"Authorization: Bearer s3cret"};
  const Run run = crawl(o);
  const Record* in_scope = find(run.result.records, own);
  const Record* external = find(run.result.records, foreign);
  REQUIRE(in_scope != nullptr);
  REQUIRE(external != nullptr);
  CHECK(in_scope->status == 200);
  CHECK(external->status == 401);  // asked without the secret
  CHECK(other.stats().requests("/needs-header") >= 1);
}

TEST_CASE("crawl: a robots.txt answering 5xx keeps the whole site out, with an error line") {
  HttpServer server({"--robots-status", "503"});
  conc::crawl::Options o;
  o.start_urls = {server.url("/ok")};
  o.retries = 0;
  const Run run = crawl(o);
  CHECK(run.result.records.empty());
  CHECK(run.result.summary.robots_disallowed == 1);
  CHECK(server.stats().requests("/ok") == 0);
  REQUIRE(run.diagnostics.size() == 2);  // robots.txt's, then the start URL's
  CHECK(run.diagnostics[0] == "conc crawl: " + server.url("/robots.txt") +
                                  ": HTTP 503: nothing of this site is crawled (RFC 9309); --no-robots crawls it "
                                  "anyway");
  CHECK(run.diagnostics[1] ==
        "conc crawl: " + server.url("/ok") + ": disallowed by robots.txt, not fetched (--no-robots fetches it)");
  o.robots = false;
  CHECK(crawl(o).result.records.size() == 1);
}

TEST_CASE("crawl: links that are no valid URL are an error line naming the page, the line and the first") {
  HttpServer server;
  conc::crawl::Options o;
  const std::string page = server.url("/links?to=http%3A%2F%2Fexa%20mple.com%2F&to=http%3A%2F%2F%5B%3A%3A1&to=%2Fok");
  o.start_urls = {page};
  const Run run = crawl(o);
  CHECK(run.result.records.size() == 2);  // the page and /ok
  CHECK(run.result.summary.malformed_links == 2);
  CHECK(run.diagnostics == std::vector<std::string>{"conc crawl: " + page +
                                                    ": 2 links are no valid URL (line 8: 'http://exa mple.com/')"});
}

TEST_CASE(
    "crawl: a redirect chain is one record, and a link to another site through a redirect is checked, not broken") {
  HttpServer server;
  const std::string other = "http://localhost:" + std::to_string(server.port());
  conc::crawl::Options o;
  // /links links localhost's /ok (another site: not checked) and reaches it
  // again through /redirect/... on 127.0.0.1, whose chain needs it fetched.
  o.start_urls = {server.url("/links?to=" + other + "/ok&to=/chain/5&to=/redirect/ok")};
  o.max_redirects = 3;
  const Run run = crawl(o);
  std::vector<std::string> urls;
  for (const auto& r : run.result.records) urls.push_back(r.url);
  // Hops reached only through a redirect (/chain/4 ... /chain/2, /ok) are in
  // their chain, not records of their own.
  CHECK(urls == std::vector<std::string>{server.url("/chain/5"), o.start_urls[0], server.url("/redirect/ok")});
  const Record* chain = find(run.result.records, server.url("/chain/5"));
  REQUIRE(chain != nullptr);
  CHECK(chain->error == "too many redirects (more than 3)");
  CHECK(chain->redirects.size() == 4);  // three hops followed, and the fourth not taken
  CHECK(run.result.summary.broken == 1);
}

TEST_CASE("crawl: a start URL robots.txt disallows is an error, so a gate that checked nothing fails") {
  HttpServer server({"--robots"});
  conc::crawl::Options o;
  o.start_urls = {server.url("/private/a")};
  const Run run = crawl(o);
  CHECK(run.result.records.empty());
  CHECK(run.diagnostics ==
        std::vector<std::string>{"conc crawl: " + server.url("/private/a") +
                                 ": disallowed by robots.txt, not fetched (--no-robots fetches it)"});
}

TEST_CASE("crawl: robots.txt past 500 KiB and a relative Sitemap: line are warned about") {
  conc::test::TempDir dir;
  std::string robots = "User-agent: *\nSitemap: /relative.xml\n";
  while (robots.size() < 600 * 1024) robots += "Allow: /allowed-path-padding-the-file-past-its-limit\n";
  robots += "Disallow: /ok\n";
  const std::string file = dir.write("robots.txt", robots);
  HttpServer server({"--robots", "--robots-file", file});
  conc::crawl::Options o;
  o.start_urls = {server.url("/ok")};
  o.sitemap = true;
  const Run run = crawl(o);
  CHECK(run.result.records.size() == 1);  // the Disallow past the cut is not read
  CHECK(run.diagnostics ==
        std::vector<std::string>{"conc crawl: " + server.url("/robots.txt") +
                                     ": longer than 500 KiB: the rules after that are ignored (RFC 9309)",
                                 "conc crawl: " + server.url("/robots.txt") +
                                     ": Sitemap: '/relative.xml' is no absolute http(s) URL, ignored"});
}

TEST_CASE("crawl --check-fragments finds an id as written or percent-decoded, as HTML does") {
  HttpServer server;
  conc::crawl::Options o;
  o.check_fragments = true;
  // Ids `café` and `s p`; links to them escaped and raw, and to one missing.
  const std::string page = server.url(
      "/links?id=caf%C3%A9&id=s%20p&to=%23caf%25C3%25A9&to=%23caf%C3%A9&to=%23s%2520p&to=%23nope&to=%23caf%25C3");
  o.start_urls = {page};
  const Run run = crawl(o);
  std::vector<std::string> missing;
  for (const Record& r : run.result.records) {
    if (r.error == "missing fragment") missing.push_back(r.url.substr(r.url.find('#')));
  }
  // `#caf%C3` decodes to no UTF-8 id: missing too.
  CHECK(missing == std::vector<std::string>{"#caf%C3", "#nope"});
  CHECK(run.result.summary.broken == 2);
}
