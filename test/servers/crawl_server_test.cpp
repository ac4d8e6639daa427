// test/servers/crawl_server.py, the server conc crawl's tests run against:
// each misbehaving endpoint misbehaves as documented, the server-side counts
// are right, and the generated site serves what its expectation says.
#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_server.h"
#include "process.h"
#include "temp_dir.h"

using conc::common::Json;
using conc::test::fetch;
using conc::test::FetchOptions;
using conc::test::HttpServer;
using namespace std::chrono_literals;

namespace {

FetchOptions timeout(std::chrono::milliseconds t) {
  FetchOptions o;
  o.timeout = t;
  return o;
}

// Polls the server until nothing is in flight (the server noticed the
// client left), at most 5 s.
long long settle(const HttpServer& server) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  long long n = server.stats().in_flight();
  while (n != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    n = server.stats().in_flight();
  }
  return n;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// %XX escapes decoded (the site spells some links with escaped letters).
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("crawl_server counts requests per target and forgets them on /__reset") {
  HttpServer server;
  for (int i = 0; i < 3; ++i) CHECK(fetch(server.url("/ok")).status == 200);
  CHECK(fetch(server.url("/ok?from=x")).status == 200);
  CHECK(fetch(server.url("/status/500")).status == 500);
  CHECK(fetch(server.url("/nosuch")).status == 404);
  CHECK(fetch(server.url("/robots.txt")).status == 404);  // only with --robots
  FetchOptions head;
  head.head = true;
  CHECK(fetch(server.url("/ok"), head).status == 200);

  const auto stats = server.stats();
  CHECK(stats.requests() == 8);
  CHECK(stats.requests("/ok") == 4);
  CHECK(stats.requests("/ok?from=x") == 1);  // targets as sent, query included
  CHECK(stats.statuses("/status/500") == std::vector<long>{500});
  CHECK(stats.statuses("/nosuch") == std::vector<long>{404});
  CHECK(stats.requests("/never") == 0);
  CHECK(stats.targets() ==
        std::vector<std::string>{"/nosuch", "/ok", "/ok?from=x", "/robots.txt", "/status/500"});  // no /__*
  CHECK(stats.root().at("paths").at("/ok").at("methods").at(3).string() == "HEAD");
  const auto times = stats.times("/ok");
  REQUIRE(times.size() == 4);
  CHECK(std::is_sorted(times.begin(), times.end()));
  CHECK(stats.host_times(server.host()).size() == 8);
  CHECK(stats.max_in_flight(server.host()) == 1);  // one request at a time
  CHECK(stats.in_flight() == 0);

  server.reset();
  const auto after = server.stats();
  CHECK(after.requests() == 0);
  CHECK(after.requests("/ok") == 0);
  CHECK(after.targets().empty());
  CHECK(after.max_in_flight() == 0);
}

TEST_CASE("crawl_server: Retry-After in seconds and as a date, and a burst of 429s") {
  HttpServer server({"--fail-times", "2", "--retry-after", "1", "--burst429", "3"});
  for (int i = 0; i < 2; ++i) {
    const auto r = fetch(server.url("/retry-after-seconds"));
    CHECK(r.status == 503);
    CHECK(r.header("Retry-After") == "1");
  }
  CHECK(fetch(server.url("/retry-after-seconds")).status == 200);
  CHECK(fetch(server.url("/retry-after-seconds")).status == 200);

  const auto dated = fetch(server.url("/retry-after-date"));
  CHECK(dated.status == 503);
  const std::time_t when = curl_getdate(dated.header("Retry-After").c_str(), nullptr);
  const std::time_t sent = curl_getdate(dated.header("Date").c_str(), nullptr);
  REQUIRE(when > 0);
  REQUIRE(sent > 0);
  CHECK(when - sent >= 1);  // at least --retry-after ahead of the server's clock
  CHECK(when - sent <= 3);
  CHECK(fetch(server.url("/retry-after-date")).status == 503);
  CHECK(fetch(server.url("/retry-after-date")).status == 200);

  const auto past = fetch(server.url("/retry-after-past"));
  CHECK(past.status == 503);
  CHECK(curl_getdate(past.header("Retry-After").c_str(), nullptr) < curl_getdate(past.header("Date").c_str(), nullptr));
  CHECK(fetch(server.url("/retry-after-huge")).header("Retry-After") == "100000");

  for (int i = 0; i < 3; ++i) {
    const auto r = fetch(server.url("/burst429"));
    CHECK(r.status == 429);
    CHECK(r.header("Retry-After").empty());
  }
  CHECK(fetch(server.url("/burst429")).status == 200);
  CHECK(server.stats().statuses("/burst429") == std::vector<long>{429, 429, 429, 200});
  server.reset();  // the attempt counters too
  CHECK(fetch(server.url("/burst429")).status == 429);
  CHECK(fetch(server.url("/retry-after-seconds")).status == 503);
}

TEST_CASE("crawl_server: a redirect loop and a 50-hop chain") {
  HttpServer server;
  const auto hop = fetch(server.url("/loop/a"));
  CHECK(hop.status == 302);
  CHECK(hop.header("Location") == "/loop/b");
  CHECK(fetch(server.url("/loop/b")).header("Location") == "/loop/a");

  FetchOptions follow;
  follow.follow = true;
  follow.max_redirects = 10;
  CHECK(fetch(server.url("/loop/a"), follow).curl_code == CURLE_TOO_MANY_REDIRECTS);

  server.reset();
  follow.max_redirects = 60;
  const auto chain = fetch(server.url("/chain/50"), follow);
  CHECK(chain.status == 200);
  CHECK(chain.redirects == 50);
  CHECK(chain.effective_url == server.url("/chain/0"));
  const auto stats = server.stats();
  CHECK(stats.requests() == 51);
  for (int k = 0; k <= 50; ++k) CHECK(stats.requests("/chain/" + std::to_string(k)) == 1);
  CHECK(stats.statuses("/chain/50") == std::vector<long>{301});  // 301, 302, 303, 307, 308 in turn
  CHECK(stats.statuses("/chain/49") == std::vector<long>{308});
  CHECK(fetch(server.url("/redirect/ok?x=1")).header("Location") == "/ok?x=1");
}

TEST_CASE("crawl_server: slow, hanging, reset and truncated responses") {
  HttpServer server({"--slow-interval", "0.2"});
  const auto slow = fetch(server.url("/slow?bytes=5&interval=0.1"));
  CHECK(slow.status == 200);
  CHECK(slow.body == "xxxxx");
  CHECK(slow.seconds >= 0.4);  // four pauses between five bytes: the pace, a lower bound

  const auto cut = fetch(server.url("/slow"), timeout(1000ms));  // 100 bytes at 0.2 s
  CHECK(cut.curl_code == CURLE_OPERATION_TIMEDOUT);
  CHECK(cut.status == 200);
  CHECK(cut.body_bytes >= 1);
  CHECK(cut.body_bytes <= 6);  // 1 s at one byte per 0.2 s

  const auto hang = fetch(server.url("/hang"), timeout(500ms));
  CHECK(hang.curl_code == CURLE_OPERATION_TIMEDOUT);
  CHECK(hang.status == 0);
  CHECK(hang.seconds < 3);
  CHECK(settle(server) == 0);  // the server saw the client go
  CHECK(server.stats().statuses("/hang") == std::vector<long>{0});

  const auto reset = fetch(server.url("/reset"));
  CHECK(reset.curl_code == CURLE_RECV_ERROR);
  CHECK(reset.header("Content-Length") == "2000");
  CHECK(reset.body_bytes <= 1000);

  const auto truncated = fetch(server.url("/truncated"));
  CHECK(truncated.curl_code == CURLE_PARTIAL_FILE);
  CHECK(truncated.header("Content-Length") == "1000");
  CHECK(truncated.body_bytes == 400);
}

TEST_CASE("crawl_server: an endless chunked body ends when the client leaves, a 50 MB page") {
  HttpServer server;
  FetchOptions capped;
  capped.max_body = std::size_t{1} << 20;
  capped.abort_over_max_body = true;
  const auto huge = fetch(server.url("/huge"), capped);
  CHECK(huge.curl_code == CURLE_WRITE_ERROR);  // we ended it past 1 MiB
  CHECK(huge.status == 200);
  CHECK(huge.header("Content-Length").empty());
  CHECK(huge.header("Transfer-Encoding") == "chunked");
  CHECK(huge.body_bytes > capped.max_body);
  CHECK(settle(server) == 0);  // and the server stopped generating it

  FetchOptions head;
  head.head = true;
  CHECK(fetch(server.url("/big-page"), head).header("Content-Length") == "52428800");
  FetchOptions all;
  all.timeout = 60s;
  all.max_body = 60 << 20;
  const auto big = fetch(server.url("/big-page"), all);
  CHECK(big.status == 200);
  REQUIRE(big.body.size() == 52428800);
  CHECK(big.body.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(contains(big.body.substr(0, 200), "/ok?from=big-page-start"));
  CHECK(contains(big.body.substr(big.body.size() - 200), "/ok?from=big-page-end"));
  CHECK(big.body.compare(big.body.size() - 15, 15, "</body></html>\n") == 0);
}

TEST_CASE("crawl_server: odd content, content codings, methods, credentials and traps") {
  HttpServer server({"--cookie", "sid=42", "--auth-header", "X-Token: t0k"});
  const auto malformed = fetch(server.url("/malformed"));
  CHECK(malformed.status == 200);
  CHECK(contains(malformed.body, "<a href=\"/ok?from=malformed\">"));

  const auto latin1 = fetch(server.url("/latin1"));
  CHECK(latin1.header("Content-Type") == "text/html; charset=iso-8859-1");
  CHECK(contains(latin1.body, "<meta charset=\"iso-8859-1\">"));
  CHECK(contains(latin1.body, "Caf\xe9 cr\xe8me"));  // single bytes: not UTF-8

  const auto nul = fetch(server.url("/nul"));
  CHECK(nul.body.find('\0') != std::string::npos);
  CHECK(contains(nul.body, "/ok?from=nul"));

  CHECK(fetch(server.url("/deep")).body_bytes > 1000000);
  CHECK(contains(fetch(server.url("/many-attrs")).body, "a99999=\"x\" href=\"/ok?from=many-attrs\""));

  FetchOptions compressed;
  compressed.compressed = true;
  for (const std::string coding : {"gzip", "deflate"}) {
    const auto plain = fetch(server.url("/" + coding));
    const auto packed = fetch(server.url("/" + coding), compressed);
    CHECK(plain.header("Content-Encoding").empty());
    CHECK(packed.header("Content-Encoding") == coding);
    CHECK(std::stoul(packed.header("Content-Length")) < plain.body.size() / 4);
    CHECK(packed.body == plain.body);
    CHECK(contains(packed.body, "/ok?from=" + coding));
  }

  FetchOptions head;
  head.head = true;
  CHECK(fetch(server.url("/no-head"), head).status == 405);
  CHECK(fetch(server.url("/no-head-501"), head).status == 501);
  CHECK(fetch(server.url("/no-head")).status == 200);

  CHECK(fetch(server.url("/needs-cookie")).status == 403);
  FetchOptions cookie;
  cookie.headers = {"Cookie: a=1; sid=42"};
  CHECK(fetch(server.url("/needs-cookie"), cookie).status == 200);
  CHECK(fetch(server.url("/needs-header")).status == 401);
  FetchOptions token;
  token.headers = {"X-Token: t0k"};
  CHECK(fetch(server.url("/needs-header"), token).status == 200);

  CHECK(contains(fetch(server.url("/trap/2026-12-31")).body, "<a href=\"2027-01-01\">"));
  CHECK(fetch(server.url("/trap/2026-13-01")).status == 404);
  CHECK(contains(fetch(server.url("/rep/a/a/")).body, "<a href=\"a/\">"));
  CHECK(contains(fetch(server.url("/grow/ab")).body, "<a href=\"ab" + std::string(100, 'x') + "\">"));
  CHECK(fetch(server.url("/not-html")).header("Content-Type") == "text/plain; charset=utf-8");
  CHECK(contains(fetch(server.url("/nofollow/meta")).body, "<meta name=\"robots\" content=\"nofollow\">"));
  CHECK(contains(fetch(server.url("/nofollow/rel")).body, "rel=\"nofollow\" href=\"/nofollow/target-rel\""));
  CHECK(contains(fetch(server.url("/nofollow/target-rel")).body, "/nofollow/deeper-rel"));
  CHECK(contains(fetch(server.url("/meta-refresh")).body, "content=\"0; url=/ok?from=refresh\""));
  CHECK(fetch(server.url("/private/page.html")).status == 200);
  CHECK(fetch(server.url("/sitemap.xml")).status == 404);  // only with --sitemap
  const auto faults = fetch(server.url("/faults"));
  for (const char* path : {"/slow", "/hang", "/chain/50", "/trap/2026-01-01", "/big-page"}) {
    CHECK(contains(faults.body, std::string("<a href=\"") + path + "\">"));
  }
}

TEST_CASE("crawl_server: robots.txt and sitemaps when asked for") {
  HttpServer server({"--robots", "--disallow", "/private/", "--disallow", "/hang", "--crawl-delay", "1", "--sitemap"});
  const auto robots = fetch(server.url("/robots.txt"));
  CHECK(robots.status == 200);
  CHECK(robots.body == "User-agent: *\nDisallow: /private/\nDisallow: /hang\nCrawl-delay: 1\nSitemap: " +
                           server.url("/sitemap.xml") + "\n");
  const auto index = fetch(server.url("/sitemap.xml"));
  CHECK(contains(index.body, "<sitemap><loc>" + server.url("/sitemap-more.xml.gz") + "</loc></sitemap>"));
  CHECK(contains(fetch(server.url("/sitemap-pages.xml")).body,
                 "<url><loc>" + server.url("/from-sitemap/1.html") + "</loc></url>"));
  const auto gz = fetch(server.url("/sitemap-more.xml.gz"));
  CHECK(gz.header("Content-Type") == "application/gzip");
  CHECK(gz.body.compare(0, 2, "\x1f\x8b") == 0);
  CHECK(fetch(server.url("/from-sitemap/5.html")).status == 200);

  conc::test::TempDir dir;
  const auto file = dir.write("robots.txt", "User-agent: conc-crawl\nDisallow: /\n");
  HttpServer custom({"--robots", "--robots-file", file});
  CHECK(fetch(custom.url("/robots.txt")).body == "User-agent: conc-crawl\nDisallow: /\n");
}

TEST_CASE("crawl_server counts requests in flight per Host, per target and overall") {
  HttpServer server;
  conc::test::init_curl();
  // Six requests held open by /hang: four with the server's own Host, two
  // with another one, driven by one curl_multi so nothing depends on threads.
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> handles;
  curl_slist* other = curl_slist_append(nullptr, "Host: other.test");
  for (int i = 0; i < 6; ++i) {
    CURL* h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, server.url("/hang").c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L);
    if (i >= 4) curl_easy_setopt(h, CURLOPT_HTTPHEADER, other);
    curl_multi_add_handle(multi, h);
    handles.push_back(h);
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  long long in_flight = 0;
  while (in_flight < 6 && std::chrono::steady_clock::now() < deadline) {
    int running = 0;
    curl_multi_perform(multi, &running);
    curl_multi_poll(multi, nullptr, 0, 20, nullptr);
    in_flight = server.stats().in_flight();
  }
  CHECK(in_flight == 6);
  const auto stats = server.stats();
  CHECK(stats.max_in_flight() == 6);
  CHECK(stats.max_in_flight(server.host()) == 4);
  CHECK(stats.max_in_flight("other.test") == 2);
  CHECK(stats.path_max_in_flight("/hang") == 6);
  CHECK(stats.max_connections(server.host()) == 4);
  CHECK(stats.max_connections() == 6);

  // A reset while they hang: the peaks restart from what is in flight now.
  server.reset();
  CHECK(server.stats().max_in_flight() == 6);
  for (CURL* h : handles) {
    curl_multi_remove_handle(multi, h);
    curl_easy_cleanup(h);  // closes its connection: the server's /hang ends
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(other);
  CHECK(settle(server) == 0);
  CHECK(server.stats().root().at("connections").integer() == 0);
}

TEST_CASE("crawl_server stops on SIGTERM with a request hanging, and by itself after --lifetime") {
  conc::test::init_curl();
  CURLM* multi = curl_multi_init();
  CURL* h = curl_easy_init();
  std::optional<HttpServer> server(std::in_place);
  curl_easy_setopt(h, CURLOPT_URL, server->url("/hang").c_str());
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L);
  curl_multi_add_handle(multi, h);
  const auto hung = std::chrono::steady_clock::now() + 10s;
  while (server->stats().in_flight() < 1 && std::chrono::steady_clock::now() < hung) {
    int running = 0;
    curl_multi_perform(multi, &running);
    curl_multi_poll(multi, nullptr, 0, 20, nullptr);
  }
  REQUIRE(server->stats().in_flight() == 1);
  const auto start = std::chrono::steady_clock::now();
  server.reset();
  CHECK(std::chrono::steady_clock::now() - start < 2500ms);  // SIGTERM sufficed: SIGKILL would come after 3 s
  curl_multi_remove_handle(multi, h);
  curl_easy_cleanup(h);
  curl_multi_cleanup(multi);

  HttpServer brief({"--lifetime", "0.5"});
  const std::string url = brief.url("/ok");
  CHECK(fetch(url).status == 200);
  auto r = fetch(url);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  // (While it shuts down, a connection may still be accepted and reset.)
  while (r.curl_code != CURLE_COULDNT_CONNECT && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    r = fetch(url);
  }
  CHECK(r.curl_code == CURLE_COULDNT_CONNECT);  // gone by itself
}

TEST_CASE("crawl_server: the generated site serves what its expectation says") {
  conc::test::TempDir dir;
  const std::string expect_path = (dir.path / "expect.json").string();
  HttpServer server({"--site", "50", "--seed", "7", "--expect", expect_path});
  const std::string text = conc::test::slurp(expect_path);
  const Json expect = Json::parse(text);
  CHECK(expect.at("start").string() == server.url("/"));
  CHECK(expect.at("pages").integer() == 50);

  const auto& urls = expect.at("urls").array();
  REQUIRE(urls.size() > 50);
  std::string html;  // every page, for the spellings below
  std::set<long> statuses;
  for (const Json& u : urls) {
    const std::string& url = u.at("url").string();
    INFO(url);
    const auto r = fetch(url);
    CHECK(r.status == u.at("status").integer());
    CHECK(r.header("Content-Type") == u.at("content_type").string());
    statuses.insert(r.status);
    if (u.at("depth").integer() == 0) {
      CHECK(url == server.url("/"));
      CHECK(u.at("referrer").is_null());
    } else {
      CHECK(u.at("referrer").is_string());
    }
    if (r.header("Content-Type").rfind("text/html", 0) == 0) html += r.body;
  }
  CHECK(statuses == std::set<long>{200, 404});

  // Broken links: each linking line names its target.
  const auto& broken = expect.at("broken").array();
  bool fragments = false, missing = false;
  for (const Json& b : broken) {
    const std::string& url = b.at("url").string();
    INFO(url);
    const auto hash = url.find('#');
    std::string needle = url.substr(url.rfind('/') + 1);
    if (hash != std::string::npos) {
      CHECK(b.at("error").string() == "missing fragment");
      CHECK(fetch(url.substr(0, hash)).status == 200);
      needle = url.substr(hash);
      fragments = true;
    } else {
      CHECK(b.at("status").integer() == 404);
      CHECK(b.at("error").is_null());
      missing = true;
    }
    REQUIRE(b.at("referrers").size() >= 1);
    for (const Json& ref : b.at("referrers").array()) {
      const auto page = fetch(ref.at("url").string()).body;
      std::size_t at = 0;
      for (long long line = 1; line < ref.at("line").integer() && at != std::string::npos; ++line) {
        at = page.find('\n', at);
        if (at != std::string::npos) ++at;
      }
      REQUIRE(at != std::string::npos);
      CHECK(contains(unescape(page.substr(at, page.find('\n', at) - at)), unescape(needle)));
    }
  }
  CHECK(fragments);
  CHECK(missing);

  // Every spelling the issue lists is on the site.
  for (const char* spelling :
       {"srcset=\"", "img,1.png 1x, ", "<base href=\"", "href=\"../", "?a=17&amp;b=2",
        "href=\"HTTP://127.0.0.1:", "href=\"http://127.0.0.1:", "#nosuch\"", "%20b/", ".html?\"", "/zz/./../", "%c3%a9",
        "<iframe src=", "<area href=", "mailto:", "http-equiv=\"refresh\""}) {
    INFO(spelling);
    CHECK(contains(html, spelling));
  }

  // The same seed gives the same site on another port; check_expect.py
  // crawls it the plain way (html.parser, urljoin) and agrees line by line.
  const std::string again_path = (dir.path / "again.json").string();
  HttpServer again({"--site", "50", "--seed", "7", "--expect", again_path});
  std::string a = conc::test::slurp(again_path);
  for (std::size_t at = a.find(again.host()); at != std::string::npos; at = a.find(again.host(), at)) {
    a.replace(at, again.host().size(), server.host());
  }
  CHECK(a == text);
  const auto checker = std::filesystem::path(conc::test::crawl_server_script()).parent_path() / "check_expect.py";
  const auto check = conc::test::run_process({"/usr/bin/python3", checker.string(), expect_path}, "", 60);
  INFO(check.err);
  CHECK(check.exit_code == 0);
}
