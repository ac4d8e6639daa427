#include "crawl/link_graph.h"

#include <algorithm>

namespace conc::crawl {

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

LinkGraph::LinkGraph(UrlTable& urls, Limits limits) : limits_(limits), urls_(urls) {
  fragments_.emplace_back();  // index 0: no fragment
}

void LinkGraph::add(UrlTable::Id from, std::vector<FoundLink>& links) {
  // The checks that need no table run before the lock.
  std::vector<bool> keep(links.size());
  std::uint64_t too_long = 0;
  std::uint64_t repeating = 0;
  for (std::size_t i = 0; i < links.size(); ++i) {
    const std::string& url = links[i].url;
    if (url.size() > limits_.max_url_length) {
      ++too_long;
    } else if (too_many_repeats(url, limits_.max_segment_repeats)) {
      ++repeating;
    } else {
      keep[i] = true;
    }
  }
  const auto kept = static_cast<std::size_t>(std::count(keep.begin(), keep.end(), true));
  {
    MutexLock lock(mutex_);
    counts_.links += links.size();
    counts_.too_long += too_long;
    counts_.repeating += repeating;
    if (kept != 0) {
      const std::span<Edge> edges = allocate(kept);
      std::size_t at = 0;
      for (std::size_t i = 0; i < links.size(); ++i) {
        if (!keep[i]) continue;
        Edge& e = edges[at++];
        e.from = from;
        e.to = urls_.intern(links[i].url).first;
        e.line = links[i].line & 0x7fffffffu;
        e.follow = links[i].follow ? 1 : 0;
        e.fragment = fragment_index(links[i].fragment);
      }
      pages_.push_back(edges);
    }
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

std::uint32_t LinkGraph::fragment_index(const std::string& fragment) {
  if (fragment.empty() || !limits_.fragments) return 0;
  const auto [it, fresh] = fragment_ids_.emplace(fragment, static_cast<std::uint32_t>(fragments_.size()));
  if (fresh) fragments_.push_back(fragment);
  return it->second;
}

std::span<const std::span<const Edge>> LinkGraph::level_pages() {
  const auto level = std::span(pages_).subspan(level_begin_);
  std::sort(level.begin(), level.end(), [this](const std::span<const Edge>& a, const std::span<const Edge>& b) {
    return urls_[a.front().from] < urls_[b.front().from];
  });
  return level;
}

}  // namespace conc::crawl
