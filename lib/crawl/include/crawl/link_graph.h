// crawl/link_graph.h: the crawl's links as edges between URL ids, recorded as pages are parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conc/mutex.h"
#include "conc/thread_annotations.h"
#include "crawl/url.h"
#include "crawl/url_table.h"

namespace conc::crawl {

/// A link found in a page, resolved against the page (and its <base>).
struct FoundLink {
  std::string url;       ///< absolute, normalised, without fragment
  std::string fragment;  ///< without '#'; empty if none
  std::uint32_t line = 0;
  bool follow = true;  ///< false: rel=nofollow or a page-wide nofollow
};

/// A link as the crawl keeps it: 16 bytes, for every link of every page.
struct Edge {
  static constexpr std::uint32_t kMaxLine = 0x7fffffff;  ///< later lines are told as this one

  UrlTable::Id from;
  UrlTable::Id to;
  std::uint32_t line : 31;
  std::uint32_t follow : 1;  ///< not rel=nofollow, nor on a nofollow page
  std::uint32_t fragment;    ///< in the graph's fragment table; 0: none
};
static_assert(sizeof(Edge) == 16, "an edge a link: every byte more costs 2 MB on a 100,000-page site");

/// What LinkGraph counts of the links it is given.
struct LinkCounts {
  std::uint64_t links = 0;      ///< every link of every page
  std::uint64_t too_long = 0;   ///< longer than --max-url-length: dropped
  std::uint64_t repeating = 0;  ///< a path segment repeated past the limit: dropped
};

/// The links of every parsed page, turned into edges the moment the page
/// is parsed: each URL is interned in the crawl's UrlTable, so a level of
/// 90,000 pages holds 16 bytes a link rather than every link's strings
/// until the level ends.
///
/// Pages arrive in the order they finish, which varies from run to run;
/// `level_pages()` gives the crawl a level's pages in URL order, so
/// what it derives from them (a URL's referrer and depth) is the same in
/// every run. Ids, too, are handed out in arrival order: nothing printed
/// may depend on an id's value.
///
/// Thread-safety: `add()` may be called from any thread at once (a lock
/// guards the table). Everything else, and any other use of the UrlTable,
/// only while no `add()` runs: between a level's runs, as the crawl does.
class LinkGraph {
 public:
  struct Limits {
    TrapLimits traps;  ///< links these cut are counted and dropped
    bool fragments;    ///< --check-fragments: keep each link's fragment
  };

  LinkGraph(UrlTable& urls, Limits limits);

  /// Records the links of page `from` (an id of the graph's UrlTable, each
  /// page once), in document order, and empties `links`. If it throws
  /// (out of memory, or more URLs than ids), the page is not recorded:
  /// neither its edges nor its counts, and `links` is left as it was.
  void add(UrlTable::Id from, std::vector<FoundLink>& links) EXCLUDES(mutex_);

  /// Starts a level: `level_pages()` returns what is added from now on.
  void start_level() NO_THREAD_SAFETY_ANALYSIS { level_begin_ = pages_.size(); }
  /// The links of each page added since `start_level()` that had any, one
  /// span a page in document order, pages in URL order.
  std::span<const std::span<const Edge>> level_pages() NO_THREAD_SAFETY_ANALYSIS;
  /// Every page's links, a span a page (in no particular order).
  [[nodiscard]] std::span<const std::span<const Edge>> pages() const NO_THREAD_SAFETY_ANALYSIS { return pages_; }
  [[nodiscard]] std::string_view fragment(std::uint32_t index) const NO_THREAD_SAFETY_ANALYSIS {
    return fragments_[index];
  }
  [[nodiscard]] LinkCounts counts() const NO_THREAD_SAFETY_ANALYSIS { return counts_; }

 private:
  std::span<Edge> allocate(std::size_t n) REQUIRES(mutex_);

  const Limits limits_;
  Mutex mutex_;
  UrlTable* const urls_ PT_GUARDED_BY(mutex_);  ///< read freely between runs
  // Edges live in fixed chunks, never moved: a growing vector of two
  // million edges would hold twice their size while it copies them.
  std::vector<std::unique_ptr<Edge[]>> chunks_ GUARDED_BY(mutex_);
  std::size_t chunk_left_ GUARDED_BY(mutex_) = 0;
  std::vector<std::span<const Edge>> pages_ GUARDED_BY(mutex_);  ///< one span a page
  std::size_t level_begin_ = 0;
  UrlTable fragments_ GUARDED_BY(mutex_);  ///< any strings interns: "" is 0
  LinkCounts counts_ GUARDED_BY(mutex_);
};

}  // namespace conc::crawl
