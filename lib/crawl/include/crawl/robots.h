// crawl/robots.h: robots.txt (RFC 9309) for one crawler.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conc::crawl {

/// One Allow or Disallow line of the group that applies to us.
struct RobotsRule {
  std::string pattern;  ///< percent-encoding normalised; `*` any run of bytes, a final `$` the end
  bool allow = false;
  friend bool operator==(const RobotsRule&, const RobotsRule&) = default;
};

/// The rules of one site's robots.txt that apply to one crawler.
struct RobotsTxt {
  /// Whether `path_and_query` (`/a/b?x`, as url.h's path_and_query_of gives
  /// it) may be fetched: the matching rule with the longest pattern decides,
  /// an Allow winning a tie; no matching rule allows. `/robots.txt` is always
  /// allowed (RFC 9309 §2.2.2). The path is compared after the same
  /// percent-encoding normalisation as the patterns (normalize_percent_encoding).
  /// Case-sensitive, as URLs are. Linear in the rules' and path's lengths
  /// (for each rule, its literal pieces are found left to right).
  [[nodiscard]] bool allowed(std::string_view path_and_query) const;

  std::vector<RobotsRule> rules;  ///< in file order
  /// Crawl-delay of the group, in seconds (non-standard, widely used). A
  /// negative, NaN or unparsable value is ignored; more than kMaxCrawlDelay
  /// is clamped to it, so one file cannot stall a crawl; with several
  /// matching groups, the largest.
  std::optional<double> crawl_delay;
  /// Every `Sitemap:` URL, whatever group it stands in, in file order,
  /// without duplicates.
  std::vector<std::string> sitemaps;
  /// The file was longer than kMaxRobotsBytes; the rest was not read.
  bool truncated = false;
};

/// Crawl-delay values above this many seconds are clamped to it.
inline constexpr double kMaxCrawlDelay = 60.0;
/// How much of a robots.txt is read: RFC 9309 §2.5 asks crawlers to parse
/// at least 500 KiB. A line cut by the limit is dropped whole.
inline constexpr std::size_t kMaxRobotsBytes = std::size_t{500} * 1024;

/// Reads a robots.txt for the crawler whose product token is
/// `user_agent_token` (`conc-crawl`; a full `conc-crawl/1.0` is cut to its
/// token). The groups whose User-agent lines name that token (ASCII
/// case-insensitively; a line's value counts up to the first character that
/// is not a letter, `-` or `_`, so `conc-crawl/2` matches) apply, merged; if
/// there is none, the `*` groups, merged; if none either, nothing is
/// disallowed. Consecutive User-agent lines share one group; a User-agent
/// line after a rule or a Crawl-delay starts a new one; rules before any
/// group are ignored. Field names are case-insensitive; a missing colon
/// (`Disallow /x`) is accepted as Google does; comments (`#`), a UTF-8 BOM,
/// CR, LF and CRLF line ends, blank and garbage lines are fine. Empty
/// Allow/Disallow values are ignored (so `Disallow:` allows everything); so
/// are patterns that start with neither `/` nor `*`. Never fails.
RobotsTxt parse_robots(std::string_view text, std::string_view user_agent_token);

}  // namespace conc::crawl
