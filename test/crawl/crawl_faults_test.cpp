// The crawl engine against a misbehaving server (test/servers/crawl_server.py),
// counted on the server's side: every crawl ends, each URL is requested once
// plus the retries it is allowed, per-host concurrency, --rate, Crawl-delay
// and Retry-After are obeyed, robots.txt and the trap guards cut what they
// must (and say so in the summary), and each fault ends in the right record.
//
// Timeouts, retry delays and trickle intervals are short so the file runs in
// seconds. Crawls of different strategies whose duration is mostly waiting
// run at once, each against its own server (so the server's counts are its
// own); Catch2's assertions then run on the test's thread.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/diagnostics.h"
#include "crawl/crawl.h"
#include "crawl/url.h"
#include "http_server.h"
#include "temp_dir.h"

using conc::crawl::Options;
using conc::crawl::Record;
using conc::crawl::Result;
using conc::crawl::Strategy;
using conc::test::HttpServer;
using conc::test::ServerStats;
using namespace std::chrono_literals;

namespace {

using Seconds = std::chrono::duration<double>;

// What one crawl gave, and how it went.
struct Crawl {
  Result result;
  std::vector<std::string> warnings;  ///< every line the Diagnostics printed
  Seconds took{0};
  bool hung = false;  ///< still running at the guard's limit (then stopped)
};

// Runs run_crawl on a thread of its own, with a hang guard: past `limit` it
// requests a stop and marks the crawl hung. The limit is generous: it only
// keeps a broken engine from hanging the test run.
Crawl crawl(const Options& options, std::chrono::seconds limit = 60s) {
  Crawl c;
  std::mutex lines_mutex;
  conc::common::Diagnostics diag("crawl", [&](std::string_view line) {
    const std::lock_guard lock(lines_mutex);
    c.warnings.emplace_back(line);
  });
  std::stop_source stop;
  std::promise<void> done;
  auto finished = done.get_future();
  std::exception_ptr error;
  const auto started = std::chrono::steady_clock::now();
  std::thread runner([&] {
    try {
      c.result = conc::crawl::run_crawl(options, diag, stop.get_token(), nullptr);
    } catch (...) {
      error = std::current_exception();
    }
    done.set_value();
  });
  if (finished.wait_for(limit) != std::future_status::ready) {
    c.hung = true;
    stop.request_stop();
  }
  runner.join();
  c.took = std::chrono::steady_clock::now() - started;
  if (error) std::rethrow_exception(error);
  return c;
}

std::string normalized(const std::string& url) {
  const auto n = conc::crawl::normalize(url);
  REQUIRE(n);
  return *n;
}

// Options for a test crawl: quick timeouts and few retries.
Options quick(Strategy strategy, const HttpServer& server, const std::vector<std::string>& paths) {
  Options o;
  o.strategy = strategy;
  o.threads = 8;
  for (const auto& p : paths) o.start_urls.push_back(normalized(server.url(p)));
  o.robots = false;
  o.request.user_agent = "conc-crawl/test";
  o.request.timeout = 1s;
  o.retries = 1;
  o.max_retry_after = 2s;
  return o;
}

// One strategy's crawl against its own server.
struct Run {
  Strategy strategy;
  std::string name;
  std::unique_ptr<HttpServer> server;
  Options options;
  Crawl crawl;
  std::optional<ServerStats> stats;  ///< the server's counts after the crawl
};

// Starts a server with `flags` for every strategy, runs each strategy's
// crawl (`make` gives its options) at the same time as the others or one
// after the other, and reads each server's counts at the end.
std::vector<Run> crawl_each_strategy(const std::vector<std::string>& flags,
                                     const std::function<Options(Strategy, const HttpServer&)>& make, bool at_once,
                                     std::chrono::seconds limit = 60s) {
  std::vector<Run> runs;
  for (const auto& s : conc::crawl::strategies()) {
    Run r{s.id, std::string(s.name), std::make_unique<HttpServer>(flags), {}, {}, {}};
    r.options = make(s.id, *r.server);
    runs.push_back(std::move(r));
  }
  if (at_once) {
    std::vector<std::future<Crawl>> crawls;
    for (auto& r : runs)
      crawls.push_back(std::async(std::launch::async, [&r, limit] { return crawl(r.options, limit); }));
    for (std::size_t i = 0; i < runs.size(); ++i) runs[i].crawl = crawls[i].get();
  } else {
    for (auto& r : runs) r.crawl = crawl(r.options, limit);
  }
  for (auto& r : runs) r.stats.emplace(r.server->stats());
  return runs;
}

const Record* find_record(const Result& result, const std::string& url) {
  for (const auto& r : result.records) {
    if (r.url == url) return &r;
  }
  return nullptr;
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// The gaps between consecutive arrival times.
std::vector<double> gaps(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  std::vector<double> out;
  for (std::size_t i = 1; i < times.size(); ++i) out.push_back(times[i] - times[i - 1]);
  return out;
}

double smallest_gap(const std::vector<double>& times) {
  const auto g = gaps(times);
  return g.empty() ? 1e9 : *std::min_element(g.begin(), g.end());
}

// The methods of the requests to `target`, in arrival order.
std::vector<std::string> methods(const ServerStats& stats, const std::string& target) {
  std::vector<std::string> out;
  const auto* p = stats.root().at("paths").find(target);
  if (p == nullptr) return out;
  for (const auto& m : p->at("methods").array()) out.push_back(m.string());
  return out;
}

// The server's arrival times come from its clock and the client's spacing
// from the crawler's: a request delayed on its way (a new connection, a
// busy machine) shortens the next gap by as much.
constexpr double kSlack = 0.08;  // still far from unspaced requests (~1 ms apart)

}  // namespace

TEST_CASE("crawl of every misbehaving endpoint: each ends in its record, requested once plus its retries") {
  // /faults links every endpoint; /chain/3 adds a short redirect chain.
  // --robots disallows /private/. /burst429 is excluded: its back-off
  // slows the whole host (it has a test of its own).
  const conc::test::TempDir dir;
  const std::vector<std::string> flags{"--robots", "--slow-interval",  "0.5",     "--fail-times", "1", "--retry-after",
                                       "1",        "--big-page-bytes", "50000000"};
  // Room for /deep (1.1 MB), little of /huge's endless body.
  constexpr std::size_t kMaxBody = std::size_t{3} << 19;
  // Not 1 s: four crawls at once on a loaded machine (a sanitizer build)
  // can take that long for a megabyte, and a timeout would add a retry.
  constexpr auto kTimeout = 2s;
  constexpr std::size_t kMaxUrlLength = 256;
  auto runs = crawl_each_strategy(
      flags,
      [&](Strategy s, const HttpServer& server) {
        Options o = quick(s, server, {"/faults", "/chain/3"});
        o.robots = true;
        o.depth = 5;
        o.request.timeout = kTimeout;
        o.max_url_length = kMaxUrlLength;
        o.request.max_body = kMaxBody;
        o.request.headers = {"Authorization: Bearer s3cret"};
        o.request.cookie_file =
            dir.write("cookies-" + std::to_string(server.port()) + ".txt",
                      "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\ts3cret\n");
        o.exclude = {"/burst429$"};
        return o;
      },
      true);

  for (auto& run : runs) {
    INFO("strategy " << run.name);
    const HttpServer& server = *run.server;
    const ServerStats& stats = *run.stats;
    const Result& result = run.crawl.result;
    REQUIRE_FALSE(run.crawl.hung);

    // Requests per target, counted by the server. Retryable failures (a
    // timeout, a reset, a truncated body, 503, 500) get one retry.
    std::map<std::string, long long> want;
    for (const char* t : {"/slow", "/hang", "/reset", "/truncated", "/retry-after-seconds", "/retry-after-date",
                          "/retry-after-past", "/retry-after-huge", "/status/500"}) {
      want[t] = 2;
    }
    for (const char* t : {"/robots.txt",
                          "/faults",
                          "/ok",
                          "/chain/3",
                          "/chain/2",
                          "/chain/1",
                          "/chain/0",
                          "/loop/a",
                          "/loop/b",
                          "/redirect/ok",
                          "/status/404",
                          "/huge",
                          "/big-page",
                          "/malformed",
                          "/latin1",
                          "/nul",
                          "/deep",
                          "/many-attrs",
                          "/gzip",
                          "/deflate",
                          "/no-head",
                          "/no-head-501",
                          "/needs-cookie",
                          "/needs-header",
                          "/nofollow/meta",
                          "/nofollow/rel",
                          "/nofollow/target-meta",
                          "/nofollow/target-rel",
                          "/meta-refresh",
                          "/not-html",
                          "/ok?from=malformed",
                          "/ok?from=latin1",
                          "/ok?from=nul",
                          "/ok?from=gzip",
                          "/ok?from=deflate",
                          "/ok?from=rel",
                          "/ok?from=refresh",
                          "/rep/",
                          "/rep/a/",
                          "/rep/a/a/",
                          "/rep/a/a/a/"}) {
      want[t] = 1;
    }
    // A 50-hop chain: the first 10 hops are followed (--max-redirects 10).
    for (int n = 50; n >= 40; --n) want["/chain/" + std::to_string(n)] = 1;
    // The calendar: one day per level, up to --depth 5.
    for (int day = 1; day <= 5; ++day) want["/trap/2026-01-0" + std::to_string(day)] = 1;
    // /grow/x grows by 100 bytes a level until --max-url-length cuts it.
    std::string grow = "/grow/x";
    for (int level = 1; server.url(grow).size() <= kMaxUrlLength && level <= 5; ++level) {
      want[grow] = 1;
      grow += std::string(100, 'x');
    }
    const std::string cut_grow = grow;
    // Never: disallowed, excluded, past the guards, behind nofollow, in a
    // text/plain body, past --max-redirects, in a page over --max-body, or
    // in a page the parser's limits cut (reported below).
    for (const std::string& t :
         {std::string("/private/page.html"), std::string("/burst429"), std::string("/chain/39"), std::string("/never"),
          std::string("/nofollow/deeper-meta"), std::string("/nofollow/deeper-rel"), std::string("/rep/a/a/a/a/"),
          std::string("/trap/2026-01-06"), cut_grow, std::string("/ok?from=big-page-start"),
          std::string("/ok?from=big-page-end")}) {
      want[t] = 0;
    }
    for (const auto& [target, n] : want) {
      INFO("target " << target);
      CHECK(stats.requests(target) == n);
    }
    // Whatever else gumbo finds in the broken HTML of /malformed: once.
    for (const auto& target : stats.targets()) {
      if (want.count(target) != 0) continue;
      INFO("target " << target);
      CHECK(target.rfind("/ok?from=", 0) == 0);
      CHECK(stats.requests(target) == 1);
    }
    CHECK(result.summary.requests == static_cast<std::uint64_t>(stats.requests()));
    // (No per-host concurrency check here: the server counts a /slow or
    // /hang request in flight until it notices the client gone, up to half
    // a second after the crawler's timeout freed the slot. The per-host
    // test below has no aborted requests.)

    // Retry-After, both forms, is waited for; a huge one is cut to
    // --max-retry-after (2 s), one in the past is not waited for.
    const auto gap = [&](const char* target) {
      const auto t = stats.times(target);
      return t.size() == 2 ? t[1] - t[0] : -1.0;
    };
    CHECK(gap("/retry-after-seconds") >= 1.0 - 0.01);
    CHECK(gap("/retry-after-date") >= 1.0 - 0.01);
    CHECK(gap("/retry-after-huge") >= 2.0 - 0.01);
    CHECK(gap("/retry-after-huge") < 10.0);
    CHECK(gap("/retry-after-past") < 1.5);
    CHECK(gap("/hang") >= Seconds(kTimeout).count());  // a whole --timeout before the retry
    CHECK(gap("/slow") >= Seconds(kTimeout).count());

    // The records.
    const auto rec = [&](const std::string& path) -> Record {
      const Record* r = find_record(result, normalized(server.url(path)));
      INFO("record " << path);
      REQUIRE(r != nullptr);
      return *r;
    };
    const auto ok = [&](const std::string& path, long status = 200) {
      const Record r = rec(path);
      INFO("record " << path << ": status " << r.status << ", error '" << r.error << "'");
      CHECK(r.status == status);
      CHECK(r.error.empty());
      CHECK_FALSE(r.broken);
    };
    const auto failed = [&](const std::string& path, long status, const std::string& error) {
      const Record r = rec(path);
      INFO("record " << path << ": status " << r.status << ", error '" << r.error << "'");
      CHECK(r.status == status);
      CHECK(r.error == error);
      CHECK(r.broken);
    };
    failed("/slow", 200, "timeout");  // the status line came, the body never finished
    failed("/hang", 0, "timeout");
    failed("/reset", 200, "connection reset");
    failed("/truncated", 200, "truncated body");
    for (const char* p : {"/retry-after-seconds", "/retry-after-date", "/retry-after-past", "/retry-after-huge"}) {
      ok(p);
      CHECK(rec(p).retries == 1);
    }
    failed("/status/404", 404, "");
    failed("/status/500", 500, "");
    CHECK(rec("/status/500").retries == 1);
    failed("/loop/a", 302, "redirect loop");
    CHECK(rec("/loop/a").redirects ==
          std::vector<std::string>{normalized(server.url("/loop/b")), normalized(server.url("/loop/a"))});
    const Record chain50 = rec("/chain/50");
    CHECK(chain50.error == "too many redirects (more than 10)");
    CHECK(chain50.broken);
    CHECK(chain50.redirects.size() == 11);
    ok("/chain/3");
    CHECK(rec("/chain/3").redirects == std::vector<std::string>{normalized(server.url("/chain/2")),
                                                                normalized(server.url("/chain/1")),
                                                                normalized(server.url("/chain/0"))});
    CHECK(rec("/chain/3").final_url == normalized(server.url("/chain/0")));
    ok("/redirect/ok");
    CHECK(rec("/redirect/ok").redirects == std::vector<std::string>{normalized(server.url("/ok"))});
    const std::string over = "body over --max-body (" + std::to_string(kMaxBody) + " bytes)";
    failed("/huge", 200, over);  // no Content-Length: cut while it arrives
    CHECK(rec("/huge").bytes <= kMaxBody);
    failed("/big-page", 200, over);  // refused from its Content-Length
    for (const char* p : {"/malformed", "/latin1", "/nul", "/deep", "/many-attrs", "/gzip", "/deflate", "/no-head",
                          "/no-head-501", "/needs-cookie", "/needs-header", "/nofollow/meta", "/nofollow/rel",
                          "/nofollow/target-meta", "/nofollow/target-rel", "/meta-refresh", "/not-html", "/ok"}) {
      ok(p);
    }
    CHECK(rec("/not-html").content_type == "text/plain");
    CHECK(rec("/gzip").bytes > 4000);  // decoded: "squeeze " 500 times
    CHECK(find_record(result, normalized(server.url("/private/page.html"))) == nullptr);
    CHECK(find_record(result, normalized(server.url("/burst429"))) == nullptr);

    // The parser's limits on /deep and /many-attrs are reported, one line
    // naming each page, and so are the bytes of /latin1 and /nul.
    const auto warned = [&](const std::string& path, std::string_view why) {
      return std::any_of(run.crawl.warnings.begin(), run.crawl.warnings.end(), [&](const std::string& line) {
        return contains(line, normalized(server.url(path)) + ":") && contains(line, why);
      });
    };
    CHECK(warned("/deep", "nested deeper than"));
    CHECK(warned("/many-attrs", "attributes"));
    CHECK(warned("/latin1", "not UTF-8: its bad bytes were read as U+FFFD"));
    CHECK(warned("/nul", "NUL bytes, read as U+FFFD"));

    // The summary.
    const auto& s = result.summary;
    CHECK(s.robots_disallowed == 1);
    CHECK(s.cut_repeats == 1);
    CHECK(s.cut_url_length == 1);
    CHECK(s.cut_filters == 1);
    CHECK(s.cut_depth == 1);  // /trap/2026-01-06
    CHECK(s.skipped_schemes == 0);
    CHECK(s.urls == result.records.size());
    CHECK(s.broken == static_cast<std::uint64_t>(std::count_if(result.records.begin(), result.records.end(),
                                                               [](const Record& r) { return r.broken; })));
    // Fetch errors: every record with an error, a status line or not (/slow
    // timed out after its 200, /reset and /truncated died in their body).
    CHECK(s.errors == static_cast<std::uint64_t>(std::count_if(result.records.begin(), result.records.end(),
                                                               [](const Record& r) { return !r.error.empty(); })));
    CHECK(s.errors >= 8);  // hops reached only by redirect are in their chain's record, not their own
  }

  // Every strategy reports the same records (the bytes of a transfer cut
  // short depend on timing; time_ms is timing).
  const auto comparable = [](std::vector<Record> records) {
    for (auto& r : records) {
      r.time_ms = 0;
      if (!r.error.empty()) r.bytes = 0;
    }
    return records;
  };
  for (std::size_t i = 1; i < runs.size(); ++i) {
    INFO(runs[0].name << " against " << runs[i].name);
    const auto a = comparable(runs[0].crawl.result.records);
    const auto b = comparable(runs[i].crawl.result.records);
    REQUIRE(a.size() == b.size());
    const std::string base0 = runs[0].server->base_url();
    const std::string basei = runs[i].server->base_url();
    for (std::size_t k = 0; k < a.size(); ++k) {
      // Each run has its own port: compare the paths.
      const auto path = [](const std::string& url, const std::string& base) {
        return url.rfind(base, 0) == 0 ? url.substr(base.size()) : url;
      };
      INFO("record " << a[k].url);
      CHECK(path(a[k].url, base0) == path(b[k].url, basei));
      CHECK(path(a[k].final_url, base0) == path(b[k].final_url, basei));
      CHECK(a[k].status == b[k].status);
      CHECK(a[k].error == b[k].error);
      CHECK(a[k].broken == b[k].broken);
      CHECK(a[k].depth == b[k].depth);
      CHECK(path(a[k].referrer, base0) == path(b[k].referrer, basei));
      CHECK(a[k].bytes == b[k].bytes);
      CHECK(a[k].redirects.size() == b[k].redirects.size());
      CHECK(a[k].retries == b[k].retries);
    }
    const auto& sa = runs[0].crawl.result.summary;
    const auto& sb = runs[i].crawl.result.summary;
    CHECK(sa.pages == sb.pages);
    CHECK(sa.links == sb.links);
    CHECK(sa.broken == sb.broken);
    CHECK(sa.errors == sb.errors);
    CHECK(sa.requests == sb.requests);
  }
}

TEST_CASE("crawl of a generated site: each URL requested once, never more than --per-host at a time") {
  auto runs = crawl_each_strategy(
      {"--site", "300", "--seed", "5"},
      [](Strategy s, const HttpServer& server) {
        Options o = quick(s, server, {"/"});
        o.robots = true;  // a 404: no rules, one request
        o.threads = 16;
        o.politeness.per_host = 3;
        o.request.timeout = 10s;  // no timeouts here, whatever the machine's load
        return o;
      },
      true);
  for (auto& run : runs) {
    INFO("strategy " << run.name);
    REQUIRE_FALSE(run.crawl.hung);
    const ServerStats& stats = *run.stats;
    CHECK(run.crawl.result.summary.pages > 100);
    CHECK(stats.requests("/robots.txt") == 1);
    for (const auto& target : stats.targets()) {
      INFO("target " << target);
      CHECK(stats.requests(target) == 1);
    }
    CHECK(static_cast<std::uint64_t>(stats.requests()) == run.crawl.result.summary.requests);
    CHECK(stats.max_in_flight(run.server->host()) <= 3);
  }
}

TEST_CASE("crawl keeps --per-host requests in flight to a slow host, and no more") {
  // Nine requests of 0.25 s each: any strategy that runs transfers at once
  // fills the host's three slots.
  std::vector<std::string> paths;
  for (int i = 0; i < 9; ++i) paths.push_back("/slow?bytes=2&interval=0.25&n=" + std::to_string(i));
  auto runs = crawl_each_strategy(
      {},
      [&](Strategy s, const HttpServer& server) {
        Options o = quick(s, server, paths);
        o.threads = 8;
        o.politeness.per_host = 3;
        o.request.timeout = 10s;
        return o;
      },
      true);
  for (auto& run : runs) {
    INFO("strategy " << run.name);
    REQUIRE_FALSE(run.crawl.hung);
    const ServerStats& stats = *run.stats;
    for (const auto& p : paths) CHECK(stats.requests(p) == 1);
    CHECK(stats.max_in_flight(run.server->host()) == (run.strategy == Strategy::kSeq ? 1 : 3));
    CHECK(run.crawl.result.summary.broken == 0);
  }
}

TEST_CASE("crawl spaces requests to a host by --rate") {
  constexpr double kRate = 8;
  std::vector<std::string> paths;
  for (int i = 0; i < 6; ++i) paths.push_back("/ok?n=" + std::to_string(i));
  // One strategy at a time: the spacing is measured on the server's clock.
  auto runs = crawl_each_strategy(
      {},
      [&](Strategy s, const HttpServer& server) {
        Options o = quick(s, server, paths);
        o.politeness.rate = kRate;
        return o;
      },
      false);
  for (auto& run : runs) {
    INFO("strategy " << run.name);
    REQUIRE_FALSE(run.crawl.hung);
    const auto times = run.stats->host_times(run.server->host());
    REQUIRE(times.size() == paths.size());
    CHECK(smallest_gap(times) >= 1 / kRate - kSlack);
    CHECK(times.back() - times.front() >= static_cast<double>(paths.size() - 1) / kRate - kSlack);
  }
}

TEST_CASE("crawl obeys robots.txt: Disallow never requested and counted, Crawl-delay spaces requests") {
  constexpr double kDelay = 0.25;
  const std::vector<std::string> paths{"/ok?n=1", "/ok?n=2", "/ok?n=3", "/private/a", "/private/b?x=1"};
  auto runs = crawl_each_strategy(
      {"--robots", "--disallow", "/private/", "--crawl-delay", "0.25"},
      [&](Strategy s, const HttpServer& server) {
        Options o = quick(s, server, paths);
        o.robots = true;
        return o;
      },
      false);
  for (auto& run : runs) {
    INFO("strategy " << run.name);
    REQUIRE_FALSE(run.crawl.hung);
    const ServerStats& stats = *run.stats;
    CHECK(stats.requests("/robots.txt") == 1);
    for (const char* p : {"/ok?n=1", "/ok?n=2", "/ok?n=3"}) CHECK(stats.requests(p) == 1);
    CHECK(stats.requests("/private/a") == 0);
    CHECK(stats.requests("/private/b?x=1") == 0);
    const Result& result = run.crawl.result;
    CHECK(result.summary.robots_disallowed == 2);
    CHECK(result.records.size() == 3);
    CHECK(find_record(result, normalized(run.server->url("/private/a"))) == nullptr);
    // robots.txt's own request counts: the pages come Crawl-delay after it.
    const auto times = stats.host_times(run.server->host());
    REQUIRE(times.size() == 4);
    CHECK(smallest_gap(times) >= kDelay - kSlack);
  }
}

TEST_CASE("crawl of a burst of 429s ends ok after retries, the host backing off") {
  auto runs = crawl_each_strategy(
      {"--burst429", "2"},
      [](Strategy s, const HttpServer& server) {
        Options o = quick(s, server, {"/burst429"});
        o.retries = 2;
        return o;
      },
      true);
  for (auto& run : runs) {
    INFO("strategy " << run.name);
    REQUIRE_FALSE(run.crawl.hung);
    const ServerStats& stats = *run.stats;
    CHECK(stats.statuses("/burst429") == std::vector<long>{429, 429, 200});
    const Result& result = run.crawl.result;
    REQUIRE(result.records.size() == 1);
    const Record& r = result.records[0];
    CHECK(r.status == 200);
    CHECK(r.error.empty());
    CHECK_FALSE(r.broken);
    CHECK(r.retries == 2);
    CHECK(result.summary.broken == 0);
    // Without a Retry-After, a 429 spaces the host's requests by 1 s.
    CHECK(smallest_gap(stats.times("/burst429")) >= 1.0 - 0.01);
  }
}

TEST_CASE("crawl --check-external checks with HEAD, and GET where HEAD is refused") {
  // --scope prefix from /faults puts every endpoint out of scope: checked,
  // not followed. The slow and endless ones are excluded.
  auto runs = crawl_each_strategy(
      {},
      [](Strategy s, const HttpServer& server) {
        Options o = quick(s, server, {"/faults"});
        o.scope = conc::crawl::ScopeKind::kPrefix;
        o.check_external = true;
        o.exclude = {"/(slow|hang|reset|truncated|retry-after|burst429|huge|big-page|loop|chain)"};
        return o;
      },
      true);
  for (auto& run : runs) {
    INFO("strategy " << run.name);
    REQUIRE_FALSE(run.crawl.hung);
    const ServerStats& stats = *run.stats;
    CHECK(methods(stats, "/faults") == std::vector<std::string>{"GET"});
    CHECK(methods(stats, "/ok") == std::vector<std::string>{"HEAD"});
    CHECK(methods(stats, "/no-head") == std::vector<std::string>{"HEAD", "GET"});
    CHECK(methods(stats, "/no-head-501") == std::vector<std::string>{"HEAD", "GET"});
    CHECK(methods(stats, "/status/500") == std::vector<std::string>{"HEAD", "HEAD"});  // 5xx: one retry
    for (const char* p : {"/no-head", "/no-head-501", "/ok"}) {
      const Record* r = find_record(run.crawl.result, normalized(run.server->url(p)));
      INFO("record " << p);
      REQUIRE(r != nullptr);
      CHECK(r->status == 200);
      CHECK(r->external);
      CHECK_FALSE(r->broken);
    }
    // Checked, not followed: nothing behind the external pages.
    CHECK(stats.requests("/nofollow/target-meta") == 0);
    CHECK(stats.requests("/ok?from=gzip") == 0);
  }
}

TEST_CASE("crawl of a 50 MB page: fetched within --max-body and reported as too big to parse") {
  // (Over --max-body it is refused: see the /faults crawl.) Parsing is not
  // strategy-specific: one strategy.
  HttpServer server;
  Options o = quick(Strategy::kSeq, server, {"/big-page"});
  o.request.max_body = std::size_t{64} << 20;
  o.request.timeout = 20s;
  const Crawl c = crawl(o);
  REQUIRE_FALSE(c.hung);
  REQUIRE(c.result.records.size() == 1);
  const Record& r = c.result.records[0];
  CHECK(r.status == 200);
  CHECK(r.error.empty());
  CHECK(r.bytes == std::size_t{50} << 20);
  const std::string url = normalized(server.url("/big-page"));
  CHECK(std::any_of(c.warnings.begin(), c.warnings.end(), [&](const std::string& line) {
    return contains(line, url + ":") && contains(line, "not parsed");
  }));
  const auto stats = server.stats();
  CHECK(stats.requests("/big-page") == 1);
  CHECK(stats.requests("/ok?from=big-page-start") == 0);
}

TEST_CASE("crawl returns promptly when stopped, whatever its transfers wait for") {
  // Transfers that hang (30 s timeout), and a retry that waits for a
  // Retry-After of 60 s: a stop request ends the crawl at once.
  for (const auto& s : conc::crawl::strategies()) {
    for (const bool retry_wait : {false, true}) {
      INFO("strategy " << s.name << (retry_wait ? ", waiting for a retry" : ", transfers hanging"));
      HttpServer server({"--retry-after", "60", "--fail-times", "5"});
      std::vector<std::string> paths;
      for (int i = 0; i < 6; ++i) {
        paths.push_back(std::string(retry_wait ? "/retry-after-seconds" : "/hang") + "?n=" + std::to_string(i));
      }
      Options o = quick(s.id, server, paths);
      o.request.timeout = 30s;
      o.retries = 2;
      o.max_retry_after = 60s;
      conc::common::Diagnostics diag("crawl", [](std::string_view) {});
      std::stop_source stop;
      auto running =
          std::async(std::launch::async, [&] { return conc::crawl::run_crawl(o, diag, stop.get_token(), nullptr); });
      // Stop once the server has seen the first requests (hanging, or
      // answered 503 with a Retry-After of a minute).
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (std::chrono::steady_clock::now() < deadline && server.stats().requests() < 1) {
        std::this_thread::sleep_for(10ms);
      }
      std::this_thread::sleep_for(100ms);
      const auto stopped_at = std::chrono::steady_clock::now();
      stop.request_stop();
      const bool returned = running.wait_for(10s) == std::future_status::ready;
      const Seconds took = std::chrono::steady_clock::now() - stopped_at;
      REQUIRE(returned);  // else the future's destructor hangs here too: ctest's timeout ends it
      CHECK(took < 3s);   // an idle transfer sees the stop at its next progress call, within a second
      const Result result = running.get();
      const auto stats = server.stats();
      CHECK(stats.requests() >= 1);
      for (const auto& p : paths) CHECK(stats.requests(p) <= 1);  // no retry started after the stop
    }
  }
}
