#include "crawl/link_graph.h"

#include <algorithm>

namespace conc::crawl {
namespace {

// (Outside the class: the analysis would take the table's reads in the
// comparator for reads without the lock.)
void sort_by_page_url(std::span<std::span<const Edge>> pages, const UrlTable& urls) {
  std::sort(pages.begin(), pages.end(), [&urls](const std::span<const Edge>& a, const std::span<const Edge>& b) {
    return urls[a.front().from] < urls[b.front().from];
  });
}

}  // namespace

LinkGraph::LinkGraph(UrlTable& urls, Limits limits) : limits_(limits), urls_(&urls) {
  fragments_.intern("");  // 0: no fragment
}

void LinkGraph::add(UrlTable::Id from, std::vector<FoundLink>& links) {
  // The guards need no table: checked before the lock.
  std::vector<bool> keep(links.size());
  LinkCounts counts;
  counts.links = links.size();
  for (std::size_t i = 0; i < links.size(); ++i) {
    switch (trap_cut(links[i].url, limits_.traps)) {
      case TrapCut::kTooLong: ++counts.too_long; break;
      case TrapCut::kRepeats: ++counts.repeating; break;
      case TrapCut::kNone: keep[i] = true; break;
    }
  }
  const std::size_t kept = links.size() - counts.too_long - counts.repeating;
  {
    MutexLock lock(mutex_);
    if (kept != 0) {
      // Interned URLs stay if a later one throws: harmless, an id nothing
      // links to is no record and no finding.
      const std::span<Edge> edges = allocate(kept);
      std::size_t at = 0;
      for (std::size_t i = 0; i < links.size(); ++i) {
        if (!keep[i]) continue;
        Edge& e = edges[at++];
        e.from = from;
        e.to = urls_->intern(links[i].url).first;
        e.line = std::min(links[i].line, Edge::kMaxLine) & Edge::kMaxLine;  // (the mask: for -Wconversion)
        e.follow = links[i].follow ? 1 : 0;
        e.fragment = limits_.fragments ? fragments_.intern(links[i].fragment).first : 0;
      }
      pages_.push_back(edges);
    }
    counts_.links += counts.links;
    counts_.too_long += counts.too_long;
    counts_.repeating += counts.repeating;
  }
  std::vector<FoundLink>().swap(links);
}

// Room for one page's edges, contiguous.
std::span<Edge> LinkGraph::allocate(std::size_t n) {
  constexpr std::size_t kChunkEdges = std::size_t{1} << 16;  // 1 MiB
  if (n > kChunkEdges) {
    // A chunk of its own, kept behind the current chunk, whose free tail
    // the next pages still use.
    auto own = std::make_unique<Edge[]>(n);
    Edge* at = own.get();
    chunks_.insert(chunks_.empty() ? chunks_.end() : chunks_.end() - 1, std::move(own));
    return {at, n};
  }
  if (n > chunk_left_) {
    chunks_.push_back(std::make_unique<Edge[]>(kChunkEdges));
    chunk_left_ = kChunkEdges;
  }
  Edge* at = chunks_.back().get() + (kChunkEdges - chunk_left_);
  chunk_left_ -= n;
  return {at, n};
}

std::span<const std::span<const Edge>> LinkGraph::level_pages() {
  const auto level = std::span(pages_).subspan(level_begin_);
  sort_by_page_url(level, *urls_);
  return level;
}

}  // namespace conc::crawl
