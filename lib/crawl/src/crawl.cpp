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

#include "crawl/link_graph.h"
#include "crawl/percent_encoding.h"
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

using detail::Job;
using detail::JobKind;
using detail::Outcome;

// What the crawl knows of one URL (by id): 56 bytes, for every URL seen.
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
  /// Given its depth and referrer: by the level that first reached it.
  /// (A link's URL is interned the moment its page is parsed, but claimed
  /// only when its level ends, pages in URL order.)
  bool claimed = false;
  bool bad_redirect = false;  ///< its Location was no URL
  bool start = false;         ///< a start URL
  std::int32_t status = 0;
  std::uint32_t content_type = 0;  ///< in the crawl's texts_ table; 0: none
  std::uint32_t error = 0;         ///< in the crawl's texts_ table; 0: none
  std::uint32_t retries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t time_ms = 0;
};
static_assert(sizeof(UrlInfo) <= 56, "a field more costs its size for each of 100,000s of URLs");

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

TrapLimits traps_of(const Options& o) { return {o.max_url_length, o.max_segment_repeats}; }

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
        graph_(urls_, {traps_of(options), options.check_fragments}),
        context_{
            options, options.threads != 0 ? options.threads : kDefaultTransfers, schedule_, share_, policy_, graph_,
            progress} {
    texts_.intern("");  // 0: no content type, no error
    compile(options.include, include_);
    compile(options.exclude, exclude_);
    switch (options.strategy) {
      case Strategy::kSeq: runner_ = detail::make_seq_runner(context_); break;
      case Strategy::kPool: runner_ = detail::make_pool_runner(context_); break;
      case Strategy::kMulti: runner_ = detail::make_multi_runner(context_); break;
      case Strategy::kActor: runner_ = detail::make_actor_runner(context_); break;
    }
  }

  Result run() {
    const auto started = std::chrono::steady_clock::now();
    std::vector<UrlTable::Id> level;
    for (const auto& url : options_.start_urls) {
      const UrlTable::Id id = intern(url);
      info_[id].linked = true;
      info_[id].start = true;
      if (claim(id)) level.push_back(id);
    }
    if (options_.sitemap) seed_from_sitemaps(level);
    sort_by_url(level);
    for (std::size_t depth = 0; !level.empty() && !stop_.stop_requested(); ++depth) {
      // robots.txt first: a disallowed URL must not use up --max-pages.
      if (options_.robots) level = obey_robots(level);
      level = cap_pages(std::move(level));
      graph_.start_level();
      fetch_level(level, depth);
      if (stop_.stop_requested()) break;  // stopped outcomes are no findings to stream
      if (stream_) emit_level(level);
      level = next_level(depth);
    }
    // Missing fragments are known once every page is parsed: streamed last.
    if (stream_ && options_.check_fragments && !stop_.stop_requested()) emit_missing_fragments();
    const LinkCounts links = graph_.counts();
    summary_.links += links.links;
    summary_.cut_url_length += links.too_long;
    summary_.cut_repeats += links.repeating;
    Result result;
    if (!stream_) result.records = records();
    summary_.wall = std::chrono::steady_clock::now() - started;
    summary_.url_table_bytes = urls_.bytes_used();
    summary_.distinct_urls = urls_.size();
    result.summary = summary_;
    runner_->add_stats(result.stats);
    result.stats.work_unit = "page";
    result.stats.work = summary_.pages;
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

  UrlTable::Id intern(std::string_view url) {
    const UrlTable::Id id = urls_.intern(url).first;
    track_new_urls();
    return id;
  }

  // The graph interns the links of pages as they are parsed: info_ catches
  // up after each run.
  void track_new_urls() { info_.resize(urls_.size()); }

  // True the first time: the caller gives the URL its depth and referrer.
  bool claim(UrlTable::Id id) {
    if (info_[id].claimed) return false;
    info_[id].claimed = true;
    return true;
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
        if (info_[id].start) diag_.error(urls_[id], "disallowed by robots.txt, not fetched (--no-robots fetches it)");
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
      track_new_urls();
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
    switch (trap_cut(url, traps_of(options_))) {
      case TrapCut::kTooLong: ++summary_.cut_url_length; return;
      case TrapCut::kRepeats: ++summary_.cut_repeats; return;
      case TrapCut::kNone: break;
    }
    if (!scope_.contains(url) || !passes_filters(url, true)) {
      ++summary_.cut_filters;
      return;
    }
    const UrlTable::Id id = intern(url);
    info_[id].linked = true;
    if (!claim(id)) return;
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
      track_new_urls();
      done_ += jobs.size();
      std::vector<UrlTable::Id> targets;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        const UrlTable::Id id = jobs[i].id;
        absorb(id, out[i]);
        const std::string& location = out[i].response.location;
        if (location.empty()) continue;
        const auto target = normalize(location);
        if (!target) {
          info_[id].bad_redirect = true;
          continue;
        }
        const UrlTable::Id to = intern(*target);
        info_[id].redirect_to = to;
        UrlInfo& t = info_[to];
        if (!claim(to)) {
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
    u.status = static_cast<std::int32_t>(r.status);  // 0, or three digits
    u.content_type = texts_.intern(r.content_type).first;
    u.bytes = r.bytes;
    u.error = texts_.intern(r.error).first;
    u.time_ms = out.time_ms;
    u.retries = out.retries;
    u.parsed = out.page.has_value();
    summary_.requests += out.requests;
    if (!out.page) return;
    ++summary_.pages;
    summary_.skipped_schemes += out.page->skipped_schemes;
    if (options_.check_fragments) anchors_[id] = std::move(out.page->anchors);
    if (!out.page->notes.empty()) diag_.warning(urls_[id], out.page->notes);
    if (out.page->malformed != 0) {
      const auto& p = *out.page;
      summary_.malformed_links += p.malformed;
      // A broken link, though there is nothing to fetch: an error (exit 1).
      diag_.error(urls_[id], std::to_string(p.malformed) + (p.malformed == 1 ? " link is" : " links are") +
                                 " no valid URL (line " + std::to_string(p.first_malformed_line) + ": '" +
                                 p.first_malformed.substr(0, 200) + "')");
    }
  }

  // The URLs the level's pages link to that nobody has claimed: the next
  // level, sorted by URL. Links are walked in their pages' URL order, so a
  // target's referrer is the smallest page linking to it.
  std::vector<UrlTable::Id> next_level(std::size_t depth) {
    track_new_urls();
    std::vector<UrlTable::Id> next;
    for (const auto page : graph_.level_pages()) {
      for (const Edge& e : page) claim_link(e, depth, next);
    }
    sort_by_url(next);
    return next;
  }

  // A link of the level's pages: its target, if first claimed here, gets
  // the link's page as its referrer, and joins `next` unless a gate cuts it.
  void claim_link(const Edge& e, std::size_t depth, std::vector<UrlTable::Id>& next) {
    UrlInfo& t = info_[e.to];
    t.linked = true;
    if (!claim(e.to)) {
      // Found again on this level: any followed link lets it be parsed.
      if (t.stage == UrlInfo::Stage::kSeen && t.depth == depth + 1) t.follow = t.follow || e.follow != 0;
      return;
    }
    t.depth = static_cast<std::uint32_t>(depth + 1);
    t.referrer = e.from;
    t.follow = e.follow != 0;
    const std::string_view url = urls_[e.to];
    const bool in_scope = scope_.contains(url);
    t.external = !in_scope;
    if (!passes_filters(url, in_scope)) {
      ++summary_.cut_filters;
      cut(e.to, UrlInfo::Cut::kFilter);
    } else if (!in_scope && !options_.check_external) {
      ++summary_.external_skipped;
      cut(e.to, UrlInfo::Cut::kExternal);
    } else if (depth + 1 > options_.depth) {
      ++summary_.cut_depth;
      cut(e.to, UrlInfo::Cut::kDepth);
    } else {
      next.push_back(e.to);
    }
  }

  // --exclude applies to every URL; --include chooses what is followed, so
  // only URLs in scope.
  bool passes_filters(std::string_view url, bool in_scope) const {
    if (excluded(url)) return false;
    if (include_.empty() || !in_scope) return true;
    return std::any_of(include_.begin(), include_.end(), [url](const auto& re) { return RE2::PartialMatch(url, *re); });
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
    while (info_[at].redirect_to != kNone && info_[at].error == 0) {
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
    r.content_type = texts_[last.content_type];
    r.bytes = last.bytes;
    if (r.error.empty()) r.error = texts_[last.error];
    if (r.error.empty() && last.bad_redirect) r.error = "redirect to a malformed URL";
    r.broken = !r.error.empty() || !accepted(options_.accept, r.status);
    return r;
  }

  // A fetched URL gets a record unless it was only ever a redirect hop.
  bool has_record(UrlTable::Id id) const { return info_[id].stage == UrlInfo::Stage::kFetched && info_[id].linked; }

  std::vector<Record> records() {
    std::vector<Record> out;
    // Sized once: a vector grown by doubling holds up to twice 100,000
    // records while it moves them.
    std::size_t n = 0;
    for (UrlTable::Id id = 0; id < urls_.size(); ++id) n += has_record(id) ? 1 : 0;
    out.reserve(n);
    std::vector<UrlTable::Id> broken;
    for (UrlTable::Id id = 0; id < urls_.size(); ++id) {
      if (!has_record(id)) continue;
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
    for (const auto page : graph_.pages()) {
      for (const Edge& e : page) {
        const auto it = by_target.find(e.to);
        if (it != by_target.end()) it->second.push_back(Referrer{std::string(urls_[e.from]), e.line});
      }
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

  // HTML finds a fragment's element by its id as written, then percent-
  // decoded (links keep their fragments percent-encoded: `#caf%C3%A9` is
  // the id `café`).
  static bool has_anchor(const std::vector<std::string>& anchors, std::string_view fragment) {
    return std::binary_search(anchors.begin(), anchors.end(), fragment) ||
           std::binary_search(anchors.begin(), anchors.end(), percent_decode(fragment));
  }

  // --check-fragments: a link page#frag whose page (parsed) has no such
  // anchor is a broken record of its own, `url` holding the fragment.
  void add_missing_fragments(std::vector<Record>& out) const {
    std::map<std::pair<UrlTable::Id, std::uint32_t>, std::vector<Referrer>> missing;
    for (const auto page : graph_.pages()) {
      for (const Edge& e : page) {
        if (e.fragment == 0) continue;
        const auto a = anchors_.find(e.to);
        if (a == anchors_.end()) continue;  // not parsed: nothing to check against
        if (has_anchor(a->second, graph_.fragment(e.fragment))) continue;
        missing[{e.to, e.fragment}].push_back(Referrer{std::string(urls_[e.from]), e.line});
      }
    }
    for (auto& [key, refs] : missing) {
      Record r = record_of(key.first);
      r.url = std::string(urls_[key.first]).append("#").append(graph_.fragment(key.second));
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
      if (!has_record(id) || emitted_.count(id) != 0) continue;
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
  UrlTable urls_;
  LinkGraph graph_;  ///< interns into urls_ while a level runs
  detail::RunnerContext context_;
  std::unique_ptr<detail::LevelRunner> runner_;
  std::vector<std::unique_ptr<RE2>> include_;
  std::vector<std::unique_ptr<RE2>> exclude_;

  std::vector<UrlInfo> info_;  ///< by id
  UrlTable texts_;             ///< content types and errors of info_, interned ("" is 0)
  std::unordered_map<UrlTable::Id, std::vector<std::string>> anchors_;  ///< --check-fragments only
  std::unordered_map<std::string, std::optional<RobotsTxt>> robots_;    ///< by origin
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
