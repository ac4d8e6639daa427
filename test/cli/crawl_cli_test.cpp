// conc crawl end to end, against crawl_server.py: the exit code as a CI
// gate, usage errors before any request, the report formats, scope and
// filters, request options, and Ctrl-C leaving -o alone.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http_server.h"
#include "process.h"
#include "temp_dir.h"

using conc::common::Json;
using conc::test::HttpServer;
using conc::test::run_process;
using conc::test::TempDir;

namespace {

const std::string kConc = CONC_BINARY;

conc::test::ProcessResult crawl(std::vector<std::string> args) {
  args.insert(args.begin(), {kConc, "crawl"});
  return run_process(args, "", 60);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = text.find('\n', at);
    out.push_back(text.substr(at, nl - at));
    at = nl == std::string::npos ? text.size() : nl + 1;
  }
  return out;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("conc crawl is a CI gate: exit 0 when every link is fine, 1 with the broken ones on stdout") {
  HttpServer server;
  auto ok = crawl({server.url("/ok")});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.empty());
  CHECK(starts_with(ok.err, "conc crawl: pages 1, urls 1, links 0, broken 0, errors 0, requests 2, cut by guards 0, "));
  CHECK(lines(ok.err).size() == 1);

  auto gone = crawl({server.url("/status/404")});
  CHECK(gone.exit_code == 1);
  CHECK(gone.out == "404 " + server.url("/status/404") + "\n");

  auto accepted = crawl({"--accept", "200..299,404", server.url("/status/404")});
  CHECK(accepted.exit_code == 0);
  CHECK(accepted.out.empty());

  auto refused = crawl({"--retries", "0", "http://127.0.0.1:1/"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.out == "--- http://127.0.0.1:1/ (connection refused)\n");
}

TEST_CASE("conc crawl text report: every broken link with each page and line that links to it, -v lists all") {
  HttpServer server({"--site", "30", "--seed", "5"});
  const auto r = crawl({server.url("/")});
  CHECK(r.exit_code == 1);
  const auto out = lines(r.out);
  REQUIRE(!out.empty());
  std::size_t broken = 0;
  for (const auto& line : out) {
    INFO(line);
    if (starts_with(line, "    from ")) {
      CHECK(contains(line, " line "));
    } else {
      CHECK(starts_with(line, "404 " + server.url("/")));
      ++broken;
    }
  }
  CHECK(contains(r.err, "broken " + std::to_string(broken) + ","));

  const auto all = crawl({"-v", server.url("/")});
  CHECK(all.exit_code == 1);
  CHECK(contains(all.out, "200 " + server.url("/") + "\n"));
  CHECK(lines(all.out).size() > out.size());
}

TEST_CASE("conc crawl usage errors exit 2 with one line, before any request") {
  HttpServer server;
  const std::string url = server.url("/ok");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"ftp://example.org/"}, "'ftp://example.org/' is not an http:// or https:// URL"},
      {{"http://a b/"},
       "'http://a b/' is not a valid URL (its host is no valid name, IDN or address, or its port is bad)"},
      {{"http://x\xEF\xBD\x9Cy/"},
       "'http://x\xEF\xBD\x9Cy/' is not a valid URL (its host is no valid name, IDN or address, or its port is bad)"},
      {{"http://h:99999/"},
       "'http://h:99999/' is not a valid URL (its host is no valid name, IDN or address, or its port is bad)"},
      {{"/relative"}, "'/relative' is not an absolute http:// or https:// URL"},
      {{"--accept", "300..200", url}, "--accept: the range '300..200' is empty"},
      {{"--accept", "abc", url}, "--accept: expected statuses from 100 to 999 like 200..299,403, got 'abc'"},
      {{"--exclude", "(", url}, "invalid regular expression '('"},
      {{"--include", "[", url}, "invalid regular expression '['"},
      {{"-H", "no colon", url}, "--header: expected 'Name: value' on one line, got 'no colon'"},
      {{"--cookie", "/nonexistent/cookies.txt", url}, "--cookie: cannot read '/nonexistent/cookies.txt'"},
      {{"--stream", "--format", "json", url}, "--stream prints a record at a time: use --format text, jsonl or csv"},
      {{"--scope", "galaxy", url}, "--scope: galaxy not in {host,domain,prefix,any}"},
      {{"--rate", "abc", url}, "--rate: expected a number from 0 to 1000000, got 'abc'"},
      {{"--rate", "-1", url}, "--rate: expected a number from 0 to 1000000, got '-1'"},
      {{"--rate", "1e-9", url}, "--rate: expected 0 (no limit) or 0.001 to 1000000"},
      {{"--cookie", "/tmp", url}, "--cookie: cannot read '/tmp'"},
      {{"--timeout", "0", url}, "--timeout: expected a number from 0.001 to 86400, got '0'"},
      {{"--timeout", "nan", url}, "--timeout: expected a number from 0.001 to 86400, got 'nan'"},
      {{"--per-host", "0", url}, "--per-host: expected a whole number from 1 to 1024, got '0'"},
      {{"--depth", "-1", url}, "--depth: expected a whole number from 0 to 100000, got '-1'"},
      {{"--max-redirects", "101", url}, "--max-redirects: expected a whole number from 0 to 100, got '101'"},
      {{"--max-body", "2G", url}, "--max-body: expected a size from 1 to 1G bytes (K, M, G suffixes), got '2G'"},
      {{"-s", "telepathy", url}, "telepathy"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args.front() << " " << (args.size() > 1 ? args[1] : ""));
    const auto r = crawl(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(lines(r.err).size() == 1);
    CHECK(starts_with(r.err, "conc crawl: "));
    CHECK(contains(r.err, message));
  }
  CHECK(server.stats().requests() == 0);
}

TEST_CASE("conc crawl formats: jsonl, json, csv and junit hold every URL, -o written whole") {
  HttpServer server({"--site", "20", "--seed", "2"});
  TempDir dir;
  const std::string jsonl_path = (dir.path / "r.jsonl").string();
  auto r = crawl({"--format", "jsonl", "-o", jsonl_path, server.url("/")});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  const auto records = lines(conc::test::slurp(jsonl_path));
  REQUIRE(records.size() > 20);
  std::string previous;
  for (const auto& line : records) {
    const Json j = Json::parse(line);
    CHECK(j.at("url").string() > previous);  // sorted by URL bytes
    previous = j.at("url").string();
    for (const char* key :
         {"final_url", "status", "depth", "referrer", "referrers", "content_type", "bytes", "redirects", "error"}) {
      CHECK(j.find(key) != nullptr);
    }
    CHECK(j.find("time_ms") == nullptr);  // only with --timings
  }
  CHECK(contains(r.err, "urls " + std::to_string(records.size()) + ","));

  const auto json = crawl({"--format", "json", server.url("/")});
  const Json doc = Json::parse(json.out);
  CHECK(doc.at("records").size() == records.size());
  CHECK(doc.at("summary").at("pages").integer() == 20);

  const auto csv = lines(crawl({"--format", "csv", server.url("/")}).out);
  CHECK(csv.size() == records.size() + 1);
  CHECK(starts_with(csv.front(), "url,final_url,status,depth,referrer"));

  const auto junit = crawl({"--format", "junit", server.url("/")}).out;
  CHECK(starts_with(junit, "<?xml"));
  std::size_t cases = 0;
  for (std::size_t at = junit.find("<testcase"); at != std::string::npos; at = junit.find("<testcase", at + 1)) {
    ++cases;
  }
  CHECK(cases == records.size());

  const auto timed = lines(crawl({"--format", "jsonl", "--timings", server.url("/")}).out);
  REQUIRE(timed.size() == records.size());
  CHECK(Json::parse(timed.front()).find("time_ms") != nullptr);
  CHECK(Json::parse(timed.front()).find("retries") != nullptr);

  // --stream prints the same records, as each level ends (not sorted).
  const auto streamed = lines(crawl({"--format", "jsonl", "--stream", server.url("/")}).out);
  CHECK(streamed.size() == records.size());
}

TEST_CASE("conc crawl scope and filters: --depth, --max-pages, --exclude, --include, other hosts") {
  HttpServer server({"--site", "30", "--seed", "5"});
  const auto count = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--format", "jsonl"});
    const auto r = crawl(args);
    INFO(r.err);
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    return lines(r.out);
  };
  CHECK(count({"--depth", "0", server.url("/")}).size() == 1);

  server.reset();
  CHECK(count({"--max-pages", "5", server.url("/")}).size() == 5);
  CHECK(server.stats().requests() == 6);  // robots.txt and five URLs

  server.reset();
  for (const auto& line : count({"--exclude", "/docs/", server.url("/")})) CHECK(!contains(line, "/docs/"));
  for (const auto& target : server.stats().targets()) CHECK(!starts_with(target, "/docs/"));

  // --include limits what is followed; the start URL is always fetched.
  server.reset();
  for (const auto& line : count({"--include", "/blog/", server.url("/")})) {
    const auto url = Json::parse(line).at("url").string();
    CHECK((url == server.url("/") || contains(url, "/blog/")));
  }

  // The site links some pages absolutely, on 127.0.0.1: crawled from
  // localhost they are another host, skipped by default, checked (not
  // followed) with --check-external, followed with --scope any.
  const std::string local = "http://localhost:" + std::to_string(server.port()) + "/";
  server.reset();
  const auto own = count({local});
  CHECK(server.stats().host_times(server.host()).empty());
  server.reset();
  const auto checked = count({"--check-external", local});
  CHECK(checked.size() > own.size());
  const auto stats = server.stats();
  CHECK(!stats.host_times(server.host()).empty());
  CHECK(stats.requests("/") == 2);  // localhost's / and 127.0.0.1's, never parsed there
  const auto any = count({"--scope", "any", local});
  CHECK(any.size() > checked.size());
}

TEST_CASE("conc crawl request options: -H and --cookie reach the server") {
  HttpServer server;
  CHECK(crawl({server.url("/needs-header")}).exit_code == 1);
  CHECK(crawl({"-H", "Authorization: Bearer s3cret", server.url("/needs-header")}).exit_code == 0);

  TempDir dir;
  const auto jar = dir.write("cookies.txt", "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\ts3cret\n");
  CHECK(crawl({server.url("/needs-cookie")}).exit_code == 1);
  CHECK(crawl({"--cookie", jar, server.url("/needs-cookie")}).exit_code == 0);
}

TEST_CASE("conc crawl --sitemap seeds from the sitemaps and says so in the summary") {
  HttpServer server({"--sitemap", "--robots"});
  const auto plain = crawl({"--format", "jsonl", server.url("/ok")});
  CHECK(lines(plain.out).size() == 1);
  const auto seeded = crawl({"--sitemap", "--format", "jsonl", server.url("/ok")});
  CHECK(seeded.exit_code == 0);
  CHECK(lines(seeded.out).size() == 8);
  CHECK(contains(seeded.err, ", sitemaps 3 (6 urls), "));
  CHECK(Json::parse(crawl({"--sitemap", "--format", "json", server.url("/ok")}).out)
            .at("summary")
            .at("sitemap_urls")
            .integer() == 6);
}

TEST_CASE("conc crawl Ctrl-C: exit 130 at once, and -o keeps what it held") {
  HttpServer server;
  TempDir dir;
  const auto out = dir.write("report.jsonl", "precious\n");
  // /hang never answers: only the signal ends this crawl.
  const std::string script =
      "\"$0\" crawl --timeout 60 --format jsonl -o \"$1\" \"$2\" & pid=$!; sleep 0.5; "
      "kill -INT $pid; wait $pid; echo rc=$?";
  const auto r = run_process({"/bin/sh", "-c", script, kConc, out, server.url("/hang")}, "", 30);
  CHECK(r.out == "rc=130\n");
  CHECK(conc::test::slurp(out) == "precious\n");
}

TEST_CASE("conc crawl --stream and Ctrl-C: the records printed stay, no made-up ones for what never finished") {
  HttpServer server;
  const std::string script =
      "\"$0\" crawl --stream --timeout 60 --format jsonl \"$1\" \"$2\" & pid=$!; sleep 1; "
      "kill -INT $pid; wait $pid; echo rc=$?";
  const auto r = run_process({"/bin/sh", "-c", script, kConc, server.url("/ok"), server.url("/hang")}, "", 30);
  CHECK(r.out == "rc=130\n");  // /ok waits for its level: nothing of it is final yet
  CHECK(!contains(r.out, "stopped"));
}

TEST_CASE("conc crawl | head: the reader stops early, but the verdict and the summary stand") {
  // Over 64 KiB of records, more than a pipe holds: conc meets the closed
  // pipe. Without the verdict, `set -o pipefail` would pass a broken site.
  HttpServer server({"--site", "400", "--seed", "5"});
  const auto r = run_process({"/bin/bash", "-c",
                              "'" + kConc + "' crawl -j 8 --format jsonl '" + server.url("/") +
                                  "' | head -c 100 >/dev/null; echo ${PIPESTATUS[0]}"},
                             "", 60);
  CHECK(r.out == "1\n");
  CHECK(contains(r.err, "conc crawl: pages 400, "));
  CHECK_FALSE(contains(r.err, "broken pipe"));
}
