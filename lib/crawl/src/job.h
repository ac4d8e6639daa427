// One fetch of a crawl level and what came of it; shared by every strategy.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "crawl/crawl.h"
#include "crawl/host_schedule.h"
#include "crawl/link_graph.h"
#include "crawl/transfer.h"
#include "crawl/url_table.h"

namespace conc::crawl::detail {

enum class JobKind {
  kPage,     ///< in scope: GET; parsed if HTML and shallow enough
  kCheck,    ///< out of scope (--check-external): HEAD, GET if HEAD is refused
  kRobots,   ///< an origin's robots.txt: GET, body kept
  kSitemap,  ///< a sitemap (--sitemap): GET, body kept
};

struct Job {
  UrlTable::Id id = 0;  ///< unused for robots.txt
  std::string url;
  std::string host;  ///< what the host schedule keys on
  JobKind kind = JobKind::kPage;
  bool parse = false;  ///< parse the body if it is HTML
  /// The host is in the crawl's scope: -H headers go there, never to
  /// other sites (an Authorization header is a secret).
  bool in_scope = true;
};

/// What parsing an HTML page gave.
struct ParsedPage {
  std::vector<FoundLink> links;
  std::vector<std::string> anchors;  ///< ids and a[name]s, sorted, unique
  std::uint64_t skipped_schemes = 0;
  std::uint64_t malformed = 0;  ///< links that are no valid URL
  std::string first_malformed;  ///< the first of them, as written
  std::uint32_t first_malformed_line = 0;
  /// What the crawl's line about the page says: the cuts of the limits that
  /// guard the parser, bytes that are not UTF-8, NUL bytes; empty if none.
  std::string notes;
};

struct Outcome {
  Response response;  ///< of the last attempt (the body is dropped once parsed)
  std::optional<ParsedPage> page;
  std::uint32_t retries = 0;
  std::uint32_t requests = 0;
  std::uint64_t time_ms = 0;
};

/// Parses an HTML body fetched from `url` (see page_parser.cpp).
ParsedPage parse_page(const std::string& body, const std::string& url);

/// The rules every strategy applies to a job's attempts: the method, what
/// the host schedule hears, whether and when to try again.
class JobPolicy {
 public:
  using Clock = HostSchedule::Clock;

  explicit JobPolicy(const Options& options) : options_(options) {}

  /// The method of the job's attempt number `attempt` (0-based), given the
  /// previous attempt's response: HEAD for a check, then GET if the server
  /// refused HEAD (405, 501).
  [[nodiscard]] static Transfer::Method method(const Job& job, bool head_refused) {
    return job.kind == JobKind::kCheck && !head_refused ? Transfer::Method::kHead : Transfer::Method::kGet;
  }
  [[nodiscard]] static bool keep_body(const Job& job) {
    return job.kind == JobKind::kRobots || job.kind == JobKind::kSitemap || job.parse;
  }
  [[nodiscard]] static bool head_refused(const Job& job, const Response& r) {
    return job.kind == JobKind::kCheck && (r.status == 405 || r.status == 501);
  }
  [[nodiscard]] static HostOutcome host_outcome(const Response& r) {
    if (r.status == 429) return HostOutcome::kRateLimited;
    return r.status != 0 ? HostOutcome::kOk : HostOutcome::kFailed;
  }
  /// The server's Retry-After, capped by --max-retry-after.
  [[nodiscard]] std::optional<Clock::duration> retry_after(const Response& r) const;
  /// When attempt `retries_done + 1` may start after a retryable response,
  /// or nothing when the retries are used up: exponential back-off from
  /// 0.5 s with jitter, and never before the Retry-After.
  [[nodiscard]] std::optional<Clock::time_point> next_try(const Response& r, std::uint32_t retries_done,
                                                          Clock::time_point now) const;

 private:
  const Options& options_;
};

/// Runs `job` to its end on this thread with a blocking transfer: host
/// schedule, retries, HEAD fallback, parse. For seq, pool and actor.
Outcome run_blocking(const Job& job, Transfer& transfer, HostSchedule& schedule, const JobPolicy& policy,
                     LinkGraph& graph, const std::stop_token& stop);

/// Parses the body of a finished job if it is wanted and HTML, and drops
/// it. The page's links go to `graph` at once (out.page keeps none).
void parse_if_wanted(const Job& job, Outcome& out, LinkGraph& graph);

}  // namespace conc::crawl::detail
