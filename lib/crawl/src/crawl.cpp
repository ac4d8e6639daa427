#include "crawl/crawl.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "crawl/robots.h"
#include "crawl/scope.h"
#include "crawl/sitemap.h"
#include "crawl/url.h"
#include "crawl/url_table.h"
#include "job.h"
#include "runner.h"

namespace conc::crawl {

namespace {

constexpr std::array<common::StrategyInfo<Strategy>, 4> kStrategies{{
    {Strategy::kMulti, "multi", "one curl_multi event loop runs every transfer; HTML parsed on the work-stealing pool",
     true},
    {Strategy::kPool, "pool", "blocking transfers as tasks on the shared-queue pool of -j threads, a handle each",
     false},
    {Strategy::kActor, "actor", "a coordinator actor owns the queue and host schedule; fetcher and parser actors",
     false},
    {Strategy::kSeq, "seq", "one transfer at a time, parsed in line", false},
}};

constexpr UrlTable::Id kNone = ~UrlTable::Id{0};
// --sitemap: sitemap files read at most (indexes included), and the XML
// read of each (the protocol's own limit is 50 MB uncompressed).
constexpr std::size_t kMaxSitemaps = 1000;
constexpr std::size_t kMaxSitemapXml = std::size_t{50} << 20;
// Redirects followed for robots.txt and sitemaps (RFC 9309 asks for 5).
constexpr std::size_t kMaxFileRedirects = 5;

using detail::FoundLink;
using detail::Job;
using detail::JobKind;
using detail::Outcome;

// What the crawl knows of one URL (by id).
struct UrlInfo {
  enum class Stage : std::uint8_t { kSeen, kFetched, kNotFetched };
  Stage stage = Stage::kSeen;
  bool external = false;
  bool parsed = false;
  bool follow = true;  ///< some link to it may be followed (not all rel=nofollow)
  std::uint32_t depth = 0;
  UrlTable::Id referrer = kNone;
  UrlTable::Id redirect_to = kNone;
  /// Why a URL in kNotFetched was not fetched.
  enum class Cut : std::uint8_t { kNotCut, kExternal, kDepth, kFilter, kRobots, kMaxPages, kRedirects };
  Cut cut = Cut::kNotCut;
  /// A start URL, a sitemap's, or one some page links to: it gets a record.
  /// A URL only ever reached as a redirect hop is told in the chain of the
  /// record that led to it.
  bool linked = false;
  bool bad_redirect = false;  ///< its Location was no URL
  long status = 0;
  std::string content_type;
  std::size_t bytes = 0;
  std::string error;
  std::uint64_t time_ms = 0;
  std::uint32_t retries = 0;
};

// A link as the crawl keeps it: 16 bytes, for every link of every page.
struct Edge {
  UrlTable::Id from;
  UrlTable::Id to;
  std::uint32_t line;
  std::uint32_t fragment;  ///< index in the fragment table; 0: none
};

// A status: digits only, from 100 to 999.
std::optional<long> status_of(std::string_view s) {
  if (s.size() != 3 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const long v = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  return v >= 100 ? std::optional<long>(v) : std::nullopt;
}

bool accepted(const AcceptRanges& ranges, long status) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [status](const auto& r) { return status >= r.first && status <= r.second; });
}

// A path segment repeated more than `limit` times in a row or in all
// (/a/a/a/a, /x/b/x/c/x/d/x): the mark of a crawler trap.
bool too_many_repeats(std::string_view url, std::size_t limit) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  const std::size_t path = url.find('/', scheme + 3);
  if (path == std::string_view::npos) return false;
  std::string_view rest = url.substr(path + 1, url.find_first_of("?#", path) - path - 1);
  std::unordered_map<std::string_view, std::size_t> counts;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (!segment.empty() && ++counts[segment] > limit) return true;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return false;
}

class Crawler {
 public:
  Crawler(const Options& options, common::Diagnostics& diag, std::stop_token stop, common::ProgressBar* progress,
          const RecordSink& stream)
      : options_(options),
        diag_(diag),
        stop_(std::move(stop)),
        progress_(progress),
        stream_(stream),
        scope_(options.scope, options.start_urls),
        schedule_(options.politeness),
        policy_(options),
        context_{options, options.threads != 0 ? options.threads : kDefaultTransfers, schedule_, share_, policy_,
                 progress} {
    compile(options.include, include_);
    compile(options.exclude, exclude_);
    switch (options.strategy) {
      case Strategy::kSeq: runner_ = detail::make_seq_runner(context_); break;
      case Strategy::kPool: runner_ = detail::make_pool_runner(context_); break;
      case Strategy::kMulti: runner_ = detail::make_multi_runner(context_); break;
      case Strategy::kActor: runner_ = detail::make_actor_runner(context_); break;
    }
    fragments_.emplace_back();  // index 0: no fragment
  }

  Result run() {
    const auto started = std::chrono::steady_clock::now();
    std::vector<UrlTable::Id> level;
    for (const auto& url : options_.start_urls) {
      const auto [id, fresh] = intern(url);
      info_[id].linked = true;
      if (fresh) level.push_back(id);
    }
    if (options_.sitemap) seed_from_sitemaps(level);
    sort_by_url(level);
    for (std::size_t depth = 0; !level.empty() && !stop_.stop_requested(); ++depth) {
      // robots.txt first: a disallowed URL must not use up --max-pages.
      if (options_.robots) level = obey_robots(level);
      level = cap_pages(std::move(level));
      fetch_level(level, depth);
      if (stop_.stop_requested()) break;  // stopped outcomes are no findings to stream
      if (stream_) emit_level(level);
      level = next_level(level, depth);
    }
    // Missing fragments are known once every page is parsed: streamed last.
    if (stream_ && options_.check_fragments && !stop_.stop_requested()) emit_missing_fragments();
    Result result;
    if (!stream_) result.records = records();
    summary_.wall = std::chrono::steady_clock::now() - started;
    summary_.url_table_bytes = urls_.bytes_used();
    summary_.distinct_urls = urls_.size();
    result.summary = summary_;
    runner_->add_stats(result.stats);
    return result;
  }

 private:
  static void compile(const std::vector<std::string>& patterns, std::vector<std::unique_ptr<RE2>>& out) {
    for (const auto& p : patterns) {
      auto re = std::make_unique<RE2>(p, RE2::Quiet);
      if (!re->ok()) throw std::invalid_argument("invalid regular expression '" + p + "': " + re->error());
      out.push_back(std::move(re));
    }
  }

  std::pair<UrlTable::Id, bool> intern(std::string_view url) {
    const auto [id, fresh] = urls_.intern(url);
    if (fresh) info_.emplace_back();
    return {id, fresh};
  }

  void sort_by_url(std::vector<UrlTable::Id>& ids) const {
    std::sort(ids.begin(), ids.end(), [this](UrlTable::Id a, UrlTable::Id b) { return urls_[a] < urls_[b]; });
  }

  // --max-pages: the first N in-scope URLs in (depth, URL) order; a level
  // arrives sorted by URL.
  std::vector<UrlTable::Id> cap_pages(std::vector<UrlTable::Id> level) {
    if (options_.max_pages == 0) return level;
    std::vector<UrlTable::Id> kept;
    for (const UrlTable::Id id : level) {
      if (!info_[id].external) {
        if (pages_taken_ >= options_.max_pages) {
          ++summary_.cut_max_pages;
          cut(id, UrlInfo::Cut::kMaxPages);
          continue;
        }
        ++pages_taken_;
      }
      kept.push_back(id);
    }
    return kept;
  }

  // Fetches the robots.txt of every origin of the level not seen before
  // (each fetch a request of the crawl), then drops what they disallow.
  std::vector<UrlTable::Id> obey_robots(const std::vector<UrlTable::Id>& level) {
    fetch_robots(level);
    std::vector<UrlTable::Id> allowed;
    for (const UrlTable::Id id : level) {
      const auto& rules = robots_[origin_of(urls_[id])];
      if (rules && !rules->allowed(path_and_query_of(urls_[id]))) {
        ++summary_.robots_disallowed;
        cut(id, UrlInfo::Cut::kRobots);
        // A start URL left out leaves nothing checked: a CI gate must not pass.
        if (is_start(id)) diag_.error(urls_[id], "disallowed by robots.txt, not fetched (--no-robots fetches it)");
        continue;
      }
      allowed.push_back(id);
    }
    return allowed;
  }

  // Fetches the robots.txt of each origin of `ids` not seen before, and
  // keeps its rules (none when it is missing or unreachable).
  void fetch_robots(const std::vector<UrlTable::Id>& ids) {
    std::vector<Job> jobs;
    std::vector<std::string> origins;
    for (const UrlTable::Id id : ids) {
      std::string origin = origin_of(urls_[id]);
      if (robots_.count(origin) != 0) continue;
      robots_.emplace(origin, std::nullopt);  // known from now on, even if the fetch fails
      jobs.push_back(
          Job{kNone, origin + "/robots.txt", host_of(urls_[id]), JobKind::kRobots, false, !info_[id].external});
      origins.push_back(std::move(origin));
    }
    if (!jobs.empty()) {
      std::vector<Outcome> out = fetch_following(jobs);
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        const Response& r = out[i].response;
        // RFC 9309: a server error means "disallow everything". Said as an
        // error, so a CI gate does not pass a site it never checked. 4xx
        // means no rules; an unreachable host, we still try (its pages'
        // fetches then report it).
        if (r.error.empty() && r.status >= 500) {
          diag_.error(jobs[i].url, "HTTP " + std::to_string(r.status) +
                                       ": nothing of this site is crawled (RFC 9309); --no-robots crawls it anyway");
          robots_[origins[i]] = parse_robots("User-agent: *\nDisallow: /\n", kRobotsToken);
          continue;
        }
        if (!r.error.empty() || r.status < 200 || r.status > 299) continue;
        RobotsTxt rules = parse_robots(r.body, kRobotsToken);
        if (rules.truncated)
          diag_.warning(jobs[i].url, "longer than 500 KiB: the rules after that are ignored (RFC 9309)");
        if (rules.crawl_delay) {
          schedule_.set_crawl_delay(jobs[i].host, std::chrono::duration_cast<HostSchedule::Clock::duration>(
                                                      std::chrono::duration<double>(*rules.crawl_delay)));
        }
        robots_[origins[i]] = std::move(rules);
      }
    }
  }

  // Runs robots.txt or sitemap fetches, following each one's redirects
  // (RFC 9309: at least five hops) to the outcome at the end of its chain.
  // -H headers follow only within the origin.
  std::vector<Outcome> fetch_following(std::vector<Job> jobs) {
    std::vector<Outcome> result(jobs.size());
    std::vector<std::size_t> slot(jobs.size());
    for (std::size_t i = 0; i < slot.size(); ++i) slot[i] = i;
    for (std::size_t hop = 0; !jobs.empty(); ++hop) {
      std::vector<Outcome> out(jobs.size());
      runner_->run(jobs, out, stop_);
      std::vector<Job> next;
      std::vector<std::size_t> next_slot;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        summary_.requests += out[i].requests;
        const std::string& location = out[i].response.location;
        const auto target =
            location.empty() || hop == kMaxFileRedirects || stop_.stop_requested() ? std::nullopt : normalize(location);
        if (!target || classify(*target) != UrlKind::kFetchable) {
          result[slot[i]] = std::move(out[i]);
          continue;
        }
        Job j = jobs[i];
        j.in_scope = j.in_scope && origin_of(*target) == origin_of(j.url);
        j.url = *target;
        j.host = host_of(j.url);
        next.push_back(std::move(j));
        next_slot.push_back(slot[i]);
      }
      jobs = std::move(next);
      slot = std::move(next_slot);
    }
    return result;
  }

  // --sitemap: adds the URLs the start URLs' sites list in their sitemaps to
  // the first level (depth 0, like start URLs). The sitemaps are those the
  // site's robots.txt names, else /sitemap.xml; indexes are followed. Each
  // sitemap fetched is a request of the crawl, not a record. A sitemap
  // robots.txt names that cannot be read is a warning; a missing default
  // /sitemap.xml is not.
  void seed_from_sitemaps(std::vector<UrlTable::Id>& level) {
    if (options_.robots) fetch_robots(level);
    std::vector<std::string> queue;
    std::set<std::string> known;
    std::set<std::string> named;
    for (const UrlTable::Id id : level) {
      const std::string origin = origin_of(urls_[id]);
      const auto rules = robots_.find(origin);
      bool listed = false;
      if (rules != robots_.end() && rules->second) {
        for (const auto& s : rules->second->sitemaps) {
          const auto url = normalize(s);
          if (!url || classify(*url) != UrlKind::kFetchable) {
            diag_.warning(origin + "/robots.txt", "Sitemap: '" + s + "' is no absolute http(s) URL, ignored");
            continue;
          }
          listed = true;
          named.insert(*url);
          if (known.insert(*url).second) queue.push_back(*url);
        }
      }
      if (!listed && known.insert(origin + "/sitemap.xml").second) queue.push_back(origin + "/sitemap.xml");
    }
    std::size_t fetched = 0;
    while (!queue.empty() && !stop_.stop_requested()) {
      if (fetched + queue.size() > kMaxSitemaps) {
        diag_.warning(queue[kMaxSitemaps - fetched],
                      "sitemap not read: more than " + std::to_string(kMaxSitemaps) + " sitemaps");
        queue.resize(kMaxSitemaps - fetched);
      }
      std::vector<Job> jobs;
      for (auto& url : queue) {
        jobs.push_back(Job{kNone, url, host_of(url), JobKind::kSitemap, false, scope_.contains(origin_of(url) + "/")});
      }
      queue.clear();
      fetched += jobs.size();
      std::vector<Outcome> out = fetch_following(jobs);
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        const Response& r = out[i].response;
        const bool listed = named.count(jobs[i].url) != 0;
        if (!r.error.empty() || r.status < 200 || r.status > 299) {
          if (listed && !r.stopped) {
            diag_.warning(jobs[i].url,
                          "sitemap not read: " + (r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error));
          }
          continue;
        }
        const Sitemap sitemap = parse_sitemap(r.body, kMaxSitemapXml);
        if (sitemap.kind == Sitemap::Kind::kUnknown) {
          if (listed) diag_.warning(jobs[i].url, "sitemap not read: not a sitemap (no <urlset> or <sitemapindex>)");
          continue;
        }
        if (!sitemap.error.empty()) diag_.warning(jobs[i].url, "sitemap read in part: " + sitemap.error);
        ++summary_.sitemaps;
        for (const auto& loc : sitemap.locs) {
          const auto url = normalize(loc);
          if (!url || classify(*url) != UrlKind::kFetchable) continue;
          if (sitemap.kind == Sitemap::Kind::kIndex) {
            if (known.insert(*url).second) {
              named.insert(*url);
              queue.push_back(*url);
            }
          } else {
            seed(*url, level);
          }
        }
      }
    }
  }

  // A sitemap's page URL, held to the rules a link is held to, as a URL of
  // the first level.
  void seed(const std::string& url, std::vector<UrlTable::Id>& level) {
    if (url.size() > options_.max_url_length) {
      ++summary_.cut_url_length;
      return;
    }
    if (too_many_repeats(url, options_.max_segment_repeats)) {
      ++summary_.cut_repeats;
      return;
    }
    if (!scope_.contains(url) || !passes_filters(url, true)) {
      ++summary_.cut_filters;
      return;
    }
    const auto [id, fresh] = intern(url);
    info_[id].linked = true;
    if (!fresh) return;
    ++summary_.sitemap_urls;
    level.push_back(id);
  }

  Job job_for(UrlTable::Id id, std::size_t depth) {
    const UrlInfo& u = info_[id];
    Job j{id, std::string(urls_[id]), host_of(urls_[id]), u.external ? JobKind::kCheck : JobKind::kPage, false};
    // Pages at the last depth are parsed too, though none of their new
    // links is fetched: next_level counts those as cut by --depth (a
    // calendar trap ends there, and the summary must say so, not end
    // silently), and their links to pages already fetched still count as
    // referrers and fragment checks.
    j.parse = !u.external && u.follow && depth <= options_.depth;
    j.in_scope = !u.external;
    return j;
  }

  // Fetches a level, then the redirect targets it reveals (same depth), hop
  // by hop, up to --max-redirects hops.
  void fetch_level(const std::vector<UrlTable::Id>& level, std::size_t depth) {
    std::vector<UrlTable::Id> round = level;
    for (std::size_t hop = 0; !round.empty() && !stop_.stop_requested(); ++hop) {
      std::vector<Job> jobs;
      jobs.reserve(round.size());
      for (const UrlTable::Id id : round) jobs.push_back(job_for(id, depth));
      std::vector<Outcome> out(jobs.size());
      if (progress_ != nullptr) progress_->set_total(done_ + jobs.size(), 0);
      runner_->run(jobs, out, stop_);
      done_ += jobs.size();
      std::vector<UrlTable::Id> targets;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        const UrlTable::Id id = jobs[i].id;
        absorb(id, out[i]);
        if (out[i].page) pages_.emplace_back(id, std::move(*out[i].page));
        const std::string& location = out[i].response.location;
        if (location.empty()) continue;
        const auto target = normalize(location);
        if (!target) {
          info_[id].bad_redirect = true;
          continue;
        }
        const auto [to, fresh] = intern(*target);
        info_[id].redirect_to = to;
        UrlInfo& t = info_[to];
        if (!fresh) {
          // Linked before but left out as another site's or too deep: as a
          // redirect target it is part of checking this link.
          const bool left_out = t.cut == UrlInfo::Cut::kExternal || t.cut == UrlInfo::Cut::kDepth;
          if (t.stage == UrlInfo::Stage::kNotFetched && left_out && hop + 1 <= options_.max_redirects) {
            --(t.cut == UrlInfo::Cut::kExternal ? summary_.external_skipped : summary_.cut_depth);
            t.stage = UrlInfo::Stage::kSeen;
            t.cut = UrlInfo::Cut::kNotCut;
            targets.push_back(to);
          }
          continue;
        }
        t.depth = static_cast<std::uint32_t>(depth);
        t.referrer = id;  // the round runs in URL order: the first to claim is the smallest
        t.follow = info_[id].follow;
        t.external = !scope_.contains(*target);
        if (hop + 1 > options_.max_redirects || stop_.stop_requested()) {
          cut(to, UrlInfo::Cut::kRedirects);
          continue;
        }
        targets.push_back(to);
      }
      sort_by_url(targets);
      // A redirect target passes the gates a link passes: --exclude, and
      // its host's robots.txt (fetched now if the host is new).
      std::erase_if(targets, [this](UrlTable::Id to) {
        if (!excluded(urls_[to])) return false;
        ++summary_.cut_filters;
        cut(to, UrlInfo::Cut::kFilter);
        return true;
      });
      if (options_.robots) targets = obey_robots(targets);
      round = std::move(targets);
    }
  }

  void absorb(UrlTable::Id id, Outcome& out) {
    UrlInfo& u = info_[id];
    Response& r = out.response;
    u.stage = UrlInfo::Stage::kFetched;
    u.status = r.status;
    u.content_type = std::move(r.content_type);
    u.bytes = r.bytes;
    u.error = std::move(r.error);
    u.time_ms = out.time_ms;
    u.retries = out.retries;
    u.parsed = out.page.has_value();
    summary_.requests += out.requests;
    if (out.page && !out.page->notes.empty()) diag_.warning(urls_[id], out.page->notes);
    if (out.page && out.page->malformed != 0) {
      const auto& p = *out.page;
      summary_.malformed_links += p.malformed;
      // A broken link, though there is nothing to fetch: an error (exit 1).
      diag_.error(urls_[id], std::to_string(p.malformed) + (p.malformed == 1 ? " link is" : " links are") +
                                 " no valid URL (line " + std::to_string(p.first_malformed_line) + ": '" +
                                 p.first_malformed.substr(0, 200) + "')");
    }
  }

  // The URLs the level's pages link to that nobody has seen: the next
  // level, sorted by URL. Pages are walked in URL order, so a target's
  // referrer is the smallest page linking to it.
  std::vector<UrlTable::Id> next_level(const std::vector<UrlTable::Id>& /*level*/, std::size_t depth) {
    std::sort(pages_.begin(), pages_.end(),
              [this](const auto& a, const auto& b) { return urls_[a.first] < urls_[b.first]; });
    std::vector<UrlTable::Id> next;
    std::vector<bool> followed;  // by position in next: some link to it may be followed
    for (auto& [page, parsed] : pages_) {
      ++summary_.pages;
      summary_.skipped_schemes += parsed.skipped_schemes;
      if (options_.check_fragments) anchors_[page] = std::move(parsed.anchors);
      for (FoundLink& link : parsed.links) {
        ++summary_.links;
        if (link.url.size() > options_.max_url_length) {
          ++summary_.cut_url_length;
          continue;
        }
        if (too_many_repeats(link.url, options_.max_segment_repeats)) {
          ++summary_.cut_repeats;
          continue;
        }
        const auto [to, fresh] = intern(link.url);
        edges_.push_back(Edge{page, to, link.line, fragment_index(link.fragment)});
        UrlInfo& t = info_[to];
        t.linked = true;
        if (!fresh) {
          // Found again on this level: any followed link lets it be parsed.
          if (t.stage == UrlInfo::Stage::kSeen && t.depth == depth + 1) t.follow = t.follow || link.follow;
          continue;
        }
        t.depth = static_cast<std::uint32_t>(depth + 1);
        t.referrer = page;
        t.follow = link.follow;
        const bool in_scope = scope_.contains(link.url);
        t.external = !in_scope;
        if (!passes_filters(link.url, in_scope)) {
          ++summary_.cut_filters;
          cut(to, UrlInfo::Cut::kFilter);
          continue;
        }
        if (!in_scope && !options_.check_external) {
          ++summary_.external_skipped;
          cut(to, UrlInfo::Cut::kExternal);
          continue;
        }
        if (depth + 1 > options_.depth) {
          ++summary_.cut_depth;
          cut(to, UrlInfo::Cut::kDepth);
          continue;
        }
        next.push_back(to);
      }
    }
    pages_.clear();
    sort_by_url(next);
    return next;
  }

  // --exclude applies to every URL; --include chooses what is followed, so
  // only URLs in scope.
  bool passes_filters(std::string_view url, bool in_scope) const {
    if (excluded(url)) return false;
    if (include_.empty() || !in_scope) return true;
    return std::any_of(include_.begin(), include_.end(), [url](const auto& re) { return RE2::PartialMatch(url, *re); });
  }

  bool is_start(UrlTable::Id id) const {
    return std::find(options_.start_urls.begin(), options_.start_urls.end(), urls_[id]) != options_.start_urls.end();
  }

  void cut(UrlTable::Id id, UrlInfo::Cut why) {
    info_[id].stage = UrlInfo::Stage::kNotFetched;
    info_[id].cut = why;
  }

  // Why a redirect chain ends at a URL that was not fetched.
  std::string unfetched_target(UrlInfo::Cut why) const {
    switch (why) {
      case UrlInfo::Cut::kRedirects:
        return "too many redirects (more than " + std::to_string(options_.max_redirects) + ")";
      case UrlInfo::Cut::kRobots: return "redirect target disallowed by robots.txt";
      case UrlInfo::Cut::kFilter: return "redirect target excluded by --exclude";
      default: return "redirect target not fetched";
    }
  }

  bool excluded(std::string_view url) const {
    return std::any_of(exclude_.begin(), exclude_.end(), [url](const auto& re) { return RE2::PartialMatch(url, *re); });
  }

  std::uint32_t fragment_index(const std::string& fragment) {
    if (fragment.empty() || !options_.check_fragments) return 0;
    const auto [it, fresh] = fragment_ids_.emplace(fragment, static_cast<std::uint32_t>(fragments_.size()));
    if (fresh) fragments_.push_back(fragment);
    return it->second;
  }

  // The record of a fetched URL, its redirect chain followed.
  Record record_of(UrlTable::Id id) const {
    const UrlInfo& u = info_[id];
    Record r;
    r.url = urls_[id];
    r.depth = u.depth;
    if (u.referrer != kNone) r.referrer = urls_[u.referrer];
    r.external = u.external;
    r.time_ms = u.time_ms;
    r.retries = u.retries;
    UrlTable::Id at = id;
    std::vector<UrlTable::Id> seen{id};
    while (info_[at].redirect_to != kNone && info_[at].error.empty()) {
      const UrlTable::Id to = info_[at].redirect_to;
      r.redirects.emplace_back(urls_[to]);
      if (std::find(seen.begin(), seen.end(), to) != seen.end()) {
        r.error = "redirect loop";
        break;
      }
      if (r.redirects.size() > options_.max_redirects) {
        r.error = "too many redirects (more than " + std::to_string(options_.max_redirects) + ")";
        break;
      }
      seen.push_back(to);
      at = to;
      if (info_[at].stage != UrlInfo::Stage::kFetched) {
        r.error = unfetched_target(info_[at].cut);
        break;
      }
    }
    const UrlInfo& last = info_[at];
    r.final_url = urls_[at];
    r.status = last.status;
    r.content_type = last.content_type;
    r.bytes = last.bytes;
    if (r.error.empty()) r.error = last.error;
    if (r.error.empty() && last.bad_redirect) r.error = "redirect to a malformed URL";
    r.broken = !r.error.empty() || !accepted(options_.accept, r.status);
    return r;
  }

  std::vector<Record> records() {
    std::vector<Record> out;
    std::vector<UrlTable::Id> broken;
    for (UrlTable::Id id = 0; id < urls_.size(); ++id) {
      if (info_[id].stage != UrlInfo::Stage::kFetched || !info_[id].linked) continue;
      out.push_back(record_of(id));
      if (out.back().broken) broken.push_back(id);
    }
    add_referrers(out, broken);
    if (options_.check_fragments) add_missing_fragments(out);
    std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.url < b.url; });
    count(out);
    return out;
  }

  // Every linking place of each broken record, sorted.
  void add_referrers(std::vector<Record>& out, const std::vector<UrlTable::Id>& broken) const {
    std::unordered_map<UrlTable::Id, std::vector<Referrer>> by_target;
    for (const UrlTable::Id id : broken) by_target[id];
    for (const Edge& e : edges_) {
      const auto it = by_target.find(e.to);
      if (it != by_target.end()) it->second.push_back(Referrer{std::string(urls_[e.from]), e.line});
    }
    for (Record& r : out) {
      if (!r.broken) continue;
      auto& refs = by_target[*urls_.find(r.url)];
      std::sort(refs.begin(), refs.end(),
                [](const Referrer& a, const Referrer& b) { return a.url != b.url ? a.url < b.url : a.line < b.line; });
      refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
      r.referrers = std::move(refs);
    }
  }

  // --check-fragments: a link page#frag whose page (parsed) has no such
  // anchor is a broken record of its own, `url` holding the fragment.
  void add_missing_fragments(std::vector<Record>& out) const {
    std::map<std::pair<UrlTable::Id, std::uint32_t>, std::vector<Referrer>> missing;
    for (const Edge& e : edges_) {
      if (e.fragment == 0) continue;
      const auto a = anchors_.find(e.to);
      if (a == anchors_.end()) continue;  // not parsed: nothing to check against
      if (std::binary_search(a->second.begin(), a->second.end(), fragments_[e.fragment])) continue;
      missing[{e.to, e.fragment}].push_back(Referrer{std::string(urls_[e.from]), e.line});
    }
    for (auto& [key, refs] : missing) {
      Record r = record_of(key.first);
      r.url = std::string(urls_[key.first]) + "#" + fragments_[key.second];
      r.error = "missing fragment";
      r.broken = true;
      r.redirects.clear();
      std::sort(refs.begin(), refs.end(),
                [](const Referrer& x, const Referrer& y) { return x.url != y.url ? x.url < y.url : x.line < y.line; });
      refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
      r.referrers = std::move(refs);
      out.push_back(std::move(r));
    }
  }

  void count(const std::vector<Record>& out) {
    for (const Record& r : out) {
      if (r.error != "missing fragment") ++summary_.urls;
      if (r.broken) ++summary_.broken;
      // A fetch error is any record with an error of its own but a missing
      // fragment (its page is fine): not only those without a status, since
      // a timeout, a reset or a body over --max-body can follow a status line.
      if (!r.error.empty() && r.error != "missing fragment") ++summary_.errors;
    }
  }

  // --stream: the level's records, once its redirect chains are known.
  void emit_missing_fragments() {
    std::vector<Record> out;
    add_missing_fragments(out);
    std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.url < b.url; });
    count(out);
    for (const Record& r : out) stream_(r);
  }

  void emit_level(const std::vector<UrlTable::Id>& /*level*/) {
    std::vector<Record> out;
    std::vector<UrlTable::Id> broken;
    for (UrlTable::Id id = 0; id < urls_.size(); ++id) {
      if (info_[id].stage != UrlInfo::Stage::kFetched || !info_[id].linked || emitted_.count(id) != 0) continue;
      emitted_.insert(id);
      out.push_back(record_of(id));
      if (out.back().broken) broken.push_back(id);
    }
    add_referrers(out, broken);
    std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.url < b.url; });
    count(out);
    for (const Record& r : out) stream_(r);
  }

  static constexpr std::string_view kRobotsToken = "conc-crawl";

  const Options& options_;
  common::Diagnostics& diag_;
  std::stop_token stop_;
  common::ProgressBar* progress_;
  const RecordSink& stream_;
  Scope scope_;
  HostSchedule schedule_;
  CurlShare share_;
  detail::JobPolicy policy_;
  detail::RunnerContext context_;
  std::unique_ptr<detail::LevelRunner> runner_;
  std::vector<std::unique_ptr<RE2>> include_;
  std::vector<std::unique_ptr<RE2>> exclude_;

  UrlTable urls_;
  std::vector<UrlInfo> info_;  ///< by id
  std::vector<Edge> edges_;
  std::vector<std::string> fragments_;
  std::unordered_map<std::string, std::uint32_t> fragment_ids_;
  std::unordered_map<UrlTable::Id, std::vector<std::string>> anchors_;  ///< --check-fragments only
  std::unordered_map<std::string, std::optional<RobotsTxt>> robots_;    ///< by origin
  std::vector<std::pair<UrlTable::Id, detail::ParsedPage>> pages_;      ///< parsed this level
  std::unordered_set<UrlTable::Id> emitted_;
  std::size_t pages_taken_ = 0;
  std::size_t done_ = 0;
  Summary summary_;
};

}  // namespace

AcceptRanges parse_accept(std::string_view text) {
  AcceptRanges ranges;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string_view item = text.substr(at, comma - at);
    const std::size_t dots = item.find("..");
    const auto lo = status_of(item.substr(0, dots));
    const auto hi = dots == std::string_view::npos ? lo : status_of(item.substr(dots + 2));
    if (!lo || !hi) {
      throw std::invalid_argument("expected statuses from 100 to 999 like 200..299,403, got '" + std::string(text) +
                                  "'");
    }
    if (*lo > *hi) throw std::invalid_argument("the range '" + std::string(item) + "' is empty");
    ranges.emplace_back(*lo, *hi);
    at = comma + 1;
  }
  return ranges;
}

std::span<const common::StrategyInfo<Strategy>> strategies() noexcept { return kStrategies; }

Result run_crawl(const Options& options, common::Diagnostics& diag, std::stop_token stop, common::ProgressBar* progress,
                 const RecordSink& stream) {
  Crawler crawler(options, diag, std::move(stop), progress, stream);
  return crawler.run();
}

}  // namespace conc::crawl
