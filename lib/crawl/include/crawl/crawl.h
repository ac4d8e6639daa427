// crawl/crawl.h: crawl sites and check their links.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/diagnostics.h"
#include "common/progress.h"
#include "common/strategy.h"
#include "conc/run_stats.h"
#include "crawl/host_schedule.h"
#include "crawl/scope.h"
#include "crawl/transfer.h"

namespace conc::crawl {

enum class Strategy {
  kMulti,  ///< one curl_multi event loop runs every transfer; HTML parsed on the WorkStealingPool
  kPool,   ///< blocking transfers as tasks on the ThreadPool, a handle per worker
  kActor,  ///< a coordinator actor owns the level's queue and the host schedule; fetcher and parser actors
  kSeq,    ///< one transfer at a time, parsed in line
};

/// Every strategy, the default (fastest measured) first.
std::span<const common::StrategyInfo<Strategy>> strategies() noexcept;

/// HTTP statuses counted as fine, as inclusive ranges ("200..299,403").
using AcceptRanges = std::vector<std::pair<long, long>>;

/// Parses `--accept`: comma-separated statuses from 100 to 999 and
/// inclusive ranges ("200..299,403"). Throws std::invalid_argument with
/// the reason ("expected statuses ...", "the range '300..200' is empty").
AcceptRanges parse_accept(std::string_view text);

/// Transfers in flight when Options::threads is 0: the work waits on the
/// network, not the cores.
inline constexpr std::size_t kDefaultTransfers = 16;

struct Options {
  std::vector<std::string> start_urls;  ///< absolute http(s) URLs, normalised by the caller
  Strategy strategy = Strategy::kMulti;
  std::size_t threads = 0;  ///< transfers in flight (pool: worker threads); 0: kDefaultTransfers
  ScopeKind scope = ScopeKind::kHost;
  std::vector<std::string> include;  ///< RE2: follow only URLs matching one (if any)
  std::vector<std::string> exclude;  ///< RE2: never fetch URLs matching one
  std::size_t depth = 10;            ///< URLs at depth <= this are fetched (and parsed); deeper links are cut
  std::size_t max_pages = 0;         ///< 0: no limit; else the first N in-scope URLs in (depth, URL) order
  std::size_t max_url_length = 2048;
  std::size_t max_segment_repeats = 3;  ///< a path segment repeated more often cuts the URL
  bool robots = true;
  Politeness politeness;
  RequestOptions request;
  std::size_t retries = 2;
  std::chrono::seconds max_retry_after{60};
  std::size_t max_redirects = 10;
  bool check_external = false;
  bool check_fragments = false;
  /// Also seed the first level from the start URLs' sitemaps (robots.txt's
  /// Sitemap: lines, else /sitemap.xml; indexes and .xml.gz followed).
  bool sitemap = false;
  AcceptRanges accept{{200, 299}};
};

/// One linking place: the page and the line where the link stands.
struct Referrer {
  std::string url;
  std::uint32_t line = 0;
  friend bool operator==(const Referrer&, const Referrer&) = default;
};

/// One fetched URL (or one link to a missing fragment: `url` then holds
/// the fragment). Does not depend on timing, strategy or thread count,
/// except `time_ms` and `retries`.
struct Record {
  std::string url;
  std::string final_url;            ///< after redirects
  long status = 0;                  ///< the final HTTP status; 0: no response
  std::size_t depth = 0;            ///< shortest link distance from a start URL
  std::string referrer;             ///< smallest URL among the linking pages one level up; empty at depth 0
  std::vector<Referrer> referrers;  ///< every linking place, for broken links only; sorted
  std::string content_type;
  std::size_t bytes = 0;
  std::vector<std::string> redirects;  ///< the chain, each hop's target
  std::string error;                   ///< empty, or a short reason
  bool broken = false;                 ///< an error, or a status outside --accept
  bool external = false;               ///< out of scope: checked, not followed
  // Timing-dependent (only with --timings):
  std::uint64_t time_ms = 0;
  std::uint32_t retries = 0;
};

/// What the summary line reports.
struct Summary {
  std::uint64_t pages = 0;             ///< HTML pages parsed
  std::uint64_t urls = 0;              ///< URLs fetched (records, fragments aside)
  std::uint64_t links = 0;             ///< links seen in parsed pages
  std::uint64_t broken = 0;            ///< records marked broken
  std::uint64_t errors = 0;            ///< of those, ended without a usable response
  std::uint64_t requests = 0;          ///< every request sent, retries and robots.txt included
  std::uint64_t skipped_schemes = 0;   ///< mailto:, javascript:, data:, tel:, ...
  std::uint64_t malformed_links = 0;   ///< links that are no valid URL (an error line per page)
  std::uint64_t external_skipped = 0;  ///< links out of scope, not checked (no --check-external)
  std::uint64_t robots_disallowed = 0;
  std::uint64_t cut_url_length = 0;
  std::uint64_t cut_repeats = 0;
  std::uint64_t cut_max_pages = 0;
  std::uint64_t cut_depth = 0;  ///< links not fetched: their depth passes --depth
  std::uint64_t cut_filters = 0;
  std::uint64_t sitemaps = 0;       ///< sitemap files read (--sitemap)
  std::uint64_t sitemap_urls = 0;   ///< URLs they added to the first level
  std::size_t url_table_bytes = 0;  ///< memory of the interned URLs
  std::size_t distinct_urls = 0;
  std::chrono::nanoseconds wall{0};
};

/// Receives each record when it is final (`--stream`), on one thread.
using RecordSink = std::function<void(const Record&)>;

struct Result {
  std::vector<Record> records;  ///< sorted by URL (empty when streamed)
  Summary summary;
  conc::RunStats stats;
};

/// Crawls from `options.start_urls`, level by level: every URL at depth d
/// is fetched (and HTML parsed) before depth d + 1 starts, so the records do
/// not depend on timing. Each URL is fetched at most once (plus retries),
/// redirect hops included. Problems with single URLs end up in their
/// records; a bad regular expression throws std::invalid_argument before any
/// request. `stop` ends the crawl early (the result is then partial).
/// With `stream`, records go to it as they become final instead of into
/// the result.
Result run_crawl(const Options& options, common::Diagnostics& diag, std::stop_token stop, common::ProgressBar* progress,
                 const RecordSink& stream = {});

}  // namespace conc::crawl
