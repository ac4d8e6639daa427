// conc crawl: flags in, engine call, report out.
#include <fstream>
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "common/exit_code.h"
#include "crawl/crawl.h"
#include "crawl/report.h"
#include "crawl/url.h"
#include "shared_options.h"

namespace conc::cli {
namespace {

struct CrawlFlags {
  std::vector<std::string> urls;
  std::string scope = "host";
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::size_t depth = 10;
  std::size_t max_pages = 0;
  std::string max_body = "10M";
  std::size_t max_url_length = 2048;
  std::size_t max_segment_repeats = 3;
  bool no_robots = false;
  std::size_t per_host = 4;
  double rate = 0;
  std::string user_agent = "conc-crawl/" CONC_VERSION;
  std::vector<std::string> headers;
  std::string cookie;
  double timeout = 20;
  std::size_t retries = 2;
  std::size_t max_retry_after = 60;
  std::size_t max_redirects = 10;
  bool check_external = false;
  bool check_fragments = false;
  bool sitemap = false;
  std::string accept = "200..299";
  bool insecure = false;
  bool timings = false;
  bool stream = false;

  // Filled by validate:
  std::vector<std::string> start_urls;
  crawl::AcceptRanges accept_ranges;
};

constexpr std::size_t kMaxBody = std::size_t{1} << 30;

crawl::Format format_of(const std::string& name) {
  using F = crawl::Format;
  if (name == "jsonl") return F::kJsonl;
  if (name == "json") return F::kJson;
  if (name == "csv") return F::kCsv;
  if (name == "junit") return F::kJunit;
  return F::kText;
}

crawl::ScopeKind scope_of(const std::string& name) {
  using S = crawl::ScopeKind;
  if (name == "domain") return S::kDomain;
  if (name == "prefix") return S::kPrefix;
  if (name == "any") return S::kAny;
  return S::kHost;
}

void validate(CrawlFlags& f, const SharedOptions& o) {
  f.start_urls.clear();
  for (const auto& url : f.urls) {
    switch (crawl::classify(url)) {
      case crawl::UrlKind::kSkipped: throw UsageError("'" + url + "' is not an http:// or https:// URL");
      case crawl::UrlKind::kMalformed:
        throw UsageError("'" + url + "' is not a valid URL (its host is no valid name, IDN or address, or its port " +
                         "is bad)");
      case crawl::UrlKind::kFetchable: break;
    }
    const auto normal = crawl::normalize(url);
    if (!normal) throw UsageError("'" + url + "' is not an absolute http:// or https:// URL");
    f.start_urls.push_back(*normal);
  }
  try {
    f.accept_ranges = crawl::parse_accept(f.accept);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--accept: ") + e.what());
  }
  for (const auto& h : f.headers) {
    const std::size_t colon = h.find(':');
    if (colon == 0 || colon == std::string::npos || h.find_first_of("\r\n") != std::string::npos) {
      throw UsageError("--header: expected 'Name: value' on one line, got '" + h + "'");
    }
  }
  if (!f.cookie.empty()) {
    std::ifstream cookies(f.cookie);
    char c = 0;
    // A directory opens as a stream; reading from it is what fails.
    if (!cookies || (!cookies.get(c) && !cookies.eof())) {
      throw UsageError("--cookie: cannot read '" + f.cookie + "'");
    }
  }
  // A slower rate would never end a crawl: one request per 1000 s at least.
  if (f.rate != 0 && f.rate < 0.001) throw UsageError("--rate: expected 0 (no limit) or 0.001 to 1000000");
  const auto format = format_of(o.format);
  if (f.stream && !crawl::streamable(format)) {
    throw UsageError("--stream prints a record at a time: use --format text, jsonl or csv");
  }
}

int run(const CrawlFlags& f, RunContext& ctx) {
  crawl::Options o;
  o.start_urls = f.start_urls;
  o.strategy = strategy_of(crawl::strategies(), ctx.options.strategy);
  o.threads = ctx.options.threads;
  o.scope = scope_of(f.scope);
  o.include = f.include;
  o.exclude = f.exclude;
  o.depth = f.depth;
  o.max_pages = f.max_pages;
  o.max_url_length = f.max_url_length;
  o.max_segment_repeats = f.max_segment_repeats;
  o.robots = !f.no_robots;
  o.politeness = {f.per_host, f.rate};
  o.request.user_agent = f.user_agent;
  o.request.headers = f.headers;
  o.request.cookie_file = f.cookie;
  o.request.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(f.timeout * 1000));
  o.request.max_body = parse_size(f.max_body);
  o.request.insecure = f.insecure;
  o.retries = f.retries;
  o.max_retry_after = std::chrono::seconds(f.max_retry_after);
  o.max_redirects = f.max_redirects;
  o.check_external = f.check_external;
  o.check_fragments = f.check_fragments;
  o.sitemap = f.sitemap;
  o.accept = f.accept_ranges;

  const crawl::ReportOptions report{format_of(ctx.options.format), f.timings, ctx.options.verbose > 0};
  crawl::RecordSink stream;
  if (f.stream) {
    crawl::write_stream_header(ctx.output, report);
    stream = [&](const crawl::Record& r) {
      crawl::write_record(ctx.output, r, report);
      ctx.output.flush();
    };
  }
  common::ProgressBar progress(ctx.progress, "crawl", "urls");
  crawl::Result result;
  try {
    result = crawl::run_crawl(o, ctx.diagnostics, ctx.stop, &progress, stream);
  } catch (const std::invalid_argument& e) {  // a regular expression RE2 refuses
    throw UsageError(e.what());
  }
  progress.finish();
  ctx.stats = std::move(result.stats);
  if (ctx.stop.stop_requested()) return common::kExitInterrupted;
  const bool failed = result.summary.broken > 0 || ctx.diagnostics.errors() > 0;
  const int code = failed ? common::kExitInputFailed : common::kExitOk;
  try {
    if (!f.stream) crawl::write_report(ctx.output, result.records, result.summary, report);
  } catch (const common::BrokenPipe&) {
    // `| head`: the crawl is whole, so its summary and verdict still count.
  }
  if (!ctx.options.quiet) std::cerr << "conc crawl: " << crawl::summary_line(result.summary) << "\n";
  return code;
}

}  // namespace

Command crawl_command() {
  auto flags = std::make_shared<CrawlFlags>();
  Command c;
  c.name = "crawl";
  c.summary = "crawl sites politely and check their links, every transfer in flight at once";
  c.examples = {
      "conc crawl http://localhost:8080/                       # exit 1 if any link is broken: a CI gate",
      "conc crawl --check-external --check-fragments --format junit -o links.xml https://example.org/",
      "conc crawl --scope prefix --depth 3 --per-host 8 https://example.org/docs/",
      "conc crawl --format jsonl --stream https://example.org/ | jq -c 'select(.error)'",
  };
  c.strategies = strategy_choices(crawl::strategies());
  c.formats = {"text", "jsonl", "json", "csv", "junit"};
  c.default_threads = crawl::kDefaultTransfers;
  c.threads_help = "transfers in flight (pool: worker threads), 1 to " + std::to_string(kMaxThreads) +
                   " (default 16, whatever the cores: the work waits on the network)";
  c.add_options = [flags](CLI::App& app) {
    app.add_option("urls", flags->urls, "start URLs (http:// or https://)")->type_name("URL")->required();
    app.add_option("--scope", flags->scope,
                   "which links are followed: host (default: the host and port of a start URL), domain (its "
                   "registrable domain, by the Public Suffix List), prefix (URLs that begin with a start URL) "
                   "or any")
        ->type_name("KIND")
        ->check(CLI::IsMember({"host", "domain", "prefix", "any"}));
    // Repeatable options take one value each time: `--exclude RE URL` must
    // leave the URL to the positional list.
    app.add_option("--include", flags->include, "follow only URLs in scope matching RE (RE2, repeatable)")
        ->type_name("RE")
        ->allow_extra_args(false);
    app.add_option("--exclude", flags->exclude, "never fetch URLs matching RE (RE2, repeatable)")
        ->type_name("RE")
        ->allow_extra_args(false);
    app.add_option("--depth", flags->depth,
                   "links followed from a start URL at most, 0 to 100000 (default 10); links beyond it are counted "
                   "as cut by depth")
        ->type_name("N")
        ->check(whole_number(0, 100000));
    app.add_option("--max-pages", flags->max_pages,
                   "fetch at most N URLs in scope, the first in (depth, URL) order (default 0: no limit)")
        ->type_name("N")
        ->check(whole_number(0, UINT32_MAX));
    app.add_option("--max-body", flags->max_body,
                   "a longer body fails its request while it arrives, 1 to " + format_size(kMaxBody) +
                       " (K, M, G suffixes; default 10M)")
        ->type_name("BYTES")
        ->check(size_validator(kMaxBody));
    app.add_option("--max-url-length", flags->max_url_length,
                   "longer links are cut (counted in the summary), 16 to 1000000 (default 2048)")
        ->type_name("N")
        ->check(whole_number(16, 1000000));
    app.add_option("--max-segment-repeats", flags->max_segment_repeats,
                   "links whose path repeats a segment more often are cut as traps, 1 to 1000 (default 3)")
        ->type_name("N")
        ->check(whole_number(1, 1000));
    app.add_flag("--no-robots", flags->no_robots, "ignore robots.txt (obeyed by default, Crawl-delay included)");
    app.add_option("--per-host", flags->per_host, "requests in flight to one host at most, 1 to 1024 (default 4)")
        ->type_name("N")
        ->check(whole_number(1, 1024));
    app.add_option("--rate", flags->rate,
                   "requests per second to one host at most, 0.001 to 1000000 (default 0: no limit)")
        ->type_name("R")
        ->check(decimal_number(0, 1e6));
    app.add_option("--user-agent", flags->user_agent, "the User-Agent header (default conc-crawl/VERSION)")
        ->type_name("TEXT");
    app.add_option("-H,--header", flags->headers, "an extra request header 'Name: value' (repeatable)")
        ->type_name("HEADER")
        ->allow_extra_args(false);
    app.add_option("--cookie", flags->cookie, "a Netscape cookie file, read at the start, sent where it matches")
        ->type_name("FILE");
    app.add_option("--timeout", flags->timeout,
                   "seconds for connecting, and for a whole transfer, 0.001 to 86400 (default 20)")
        ->type_name("SECONDS")
        ->check(decimal_number(0.001, 86400));
    app.add_option("--retries", flags->retries,
                   "tries again after a timeout, a failed connection, 429 or 5xx, 0 to 100 (default 2), with "
                   "exponential back-off and Retry-After")
        ->type_name("N")
        ->check(whole_number(0, 100));
    app.add_option("--max-retry-after", flags->max_retry_after,
                   "waits at most this long for a Retry-After, 0 to 86400 seconds (default 60)")
        ->type_name("SECONDS")
        ->check(whole_number(0, 86400));
    app.add_option("--max-redirects", flags->max_redirects, "redirect hops followed, 0 to 100 (default 10)")
        ->type_name("N")
        ->check(whole_number(0, 100));
    app.add_flag("--sitemap", flags->sitemap,
                 "also start from the URLs the sites list in their sitemaps: robots.txt's Sitemap: lines, else "
                 "/sitemap.xml; sitemap indexes and .xml.gz files followed");
    app.add_flag("--check-external", flags->check_external,
                 "also check links that leave the scope (HEAD, or GET when refused), without following them");
    app.add_flag("--check-fragments", flags->check_fragments,
                 "report a link page#frag whose page has no such id or name as broken");
    app.add_option("--accept", flags->accept, "statuses counted as fine (default 200..299), e.g. 200..299,403")
        ->type_name("RANGES");
    app.add_flag("--insecure", flags->insecure, "do not verify TLS certificates");
    app.add_flag("--timings", flags->timings, "add time_ms and retries to each record (they depend on timing)");
    app.add_flag("--stream", flags->stream,
                 "print records as each level finishes instead of sorted at the end (text, jsonl, csv; "
                 "referrers then list the pages found so far)");
  };
  c.validate = [flags](const SharedOptions& o) { validate(*flags, o); };
  c.run = [flags](RunContext& ctx) { return run(*flags, ctx); };
  return c;
}

}  // namespace conc::cli
