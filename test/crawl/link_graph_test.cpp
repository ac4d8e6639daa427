#include "crawl/link_graph.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using conc::crawl::Edge;
using conc::crawl::FoundLink;
using conc::crawl::LinkGraph;
using conc::crawl::UrlTable;

namespace {

const LinkGraph::Limits kLimits{{100, 3}, true};

// A page's edges as (to URL, line, follow, fragment) for comparing.
using Seen = std::tuple<std::string, std::uint32_t, bool, std::string>;
std::vector<Seen> seen(const LinkGraph& g, const UrlTable& urls, std::span<const Edge> page) {
  std::vector<Seen> out;
  for (const Edge& e : page) out.emplace_back(std::string(urls[e.to]), e.line, e.follow != 0, g.fragment(e.fragment));
  return out;
}

}  // namespace

TEST_CASE("LinkGraph keeps a page's links as edges in document order, and empties what it was given") {
  UrlTable urls;
  const UrlTable::Id page = urls.intern("http://a/").first;
  LinkGraph g(urls, kLimits);
  std::vector<FoundLink> links = {{"http://a/x", "", 3, true},
                                  {"http://a/y", "top", 4, false},
                                  {"http://a/x", "top", 7, true},
                                  {"http://a/" + std::string(100, 'l'), "", 8, true},  // over 100 bytes: dropped
                                  {"http://a/s/s/s/s", "", 9, true}};                  // a trap: dropped
  g.add(page, links);
  CHECK(links.empty());
  REQUIRE(g.pages().size() == 1);
  CHECK(seen(g, urls, g.pages()[0]) == std::vector<Seen>{{"http://a/x", 3, true, ""},
                                                         {"http://a/y", 4, false, "top"},
                                                         {"http://a/x", 7, true, "top"}});
  CHECK(g.pages()[0][0].from == page);
  CHECK(g.pages()[0][0].fragment == 0);
  CHECK(g.pages()[0][1].fragment == g.pages()[0][2].fragment);  // one fragment, one index
  CHECK(g.counts().links == 5);
  CHECK(g.counts().too_long == 1);
  CHECK(g.counts().repeating == 1);
  CHECK(urls.size() == 3);  // the page, x and y: dropped links are not interned
}

TEST_CASE("LinkGraph keeps no fragments unless asked, and no page without links") {
  UrlTable urls;
  LinkGraph g(urls, {{100, 3}, false});
  std::vector<FoundLink> links = {{"http://a/x", "frag", 1, true}};
  g.add(urls.intern("http://a/").first, links);
  std::vector<FoundLink> none;
  g.add(urls.intern("http://a/empty").first, none);
  REQUIRE(g.pages().size() == 1);
  CHECK(g.pages()[0][0].fragment == 0);
  CHECK(g.fragment(0).empty());
}

TEST_CASE("LinkGraph gives a level's pages in URL order, whatever order they came in") {
  UrlTable urls;
  LinkGraph g(urls, kLimits);
  auto add = [&](const std::string& page, const std::string& to) {
    std::vector<FoundLink> links = {{to, "", 1, true}};
    g.add(urls.intern(page).first, links);
  };
  add("http://a/first", "http://a/1");
  g.start_level();
  for (const char* p : {"http://a/c", "http://a/a", "http://a/d", "http://a/b"}) add(p, std::string(p) + "/next");
  std::vector<std::string> order;
  for (const auto page : g.level_pages()) order.emplace_back(urls[page.front().from]);
  CHECK(order == std::vector<std::string>{"http://a/a", "http://a/b", "http://a/c", "http://a/d"});
  for (const auto page : g.level_pages())
    CHECK(urls[page.front().to] == std::string(urls[page.front().from]) + "/next");
  CHECK(g.pages().size() == 5);  // the earlier level's page too
}

TEST_CASE("LinkGraph: a page with more links than a chunk holds, then small ones, all kept whole") {
  UrlTable urls;
  LinkGraph g(urls, kLimits);
  std::vector<FoundLink> big;
  for (std::uint32_t i = 0; i < 70000; ++i) big.push_back({"http://a/" + std::to_string(i % 500), "", i + 1, true});
  std::vector<FoundLink> small = {{"http://a/s1", "", 1, true}, {"http://a/s2", "", 2, true}};
  std::vector<FoundLink> small2 = small;
  g.add(urls.intern("http://a/small").first, small);
  g.add(urls.intern("http://a/big").first, big);
  g.add(urls.intern("http://a/small2").first, small2);
  REQUIRE(g.pages().size() == 3);
  CHECK(seen(g, urls, g.pages()[0]) == std::vector<Seen>{{"http://a/s1", 1, true, ""}, {"http://a/s2", 2, true, ""}});
  REQUIRE(g.pages()[1].size() == 70000);
  std::uint32_t wrong = 0;
  for (std::uint32_t i = 0; i < 70000; ++i) {
    const Edge& e = g.pages()[1][i];
    wrong += e.line != i + 1 || urls[e.to] != "http://a/" + std::to_string(i % 500) ? 1 : 0;
  }
  CHECK(wrong == 0);
  CHECK(seen(g, urls, g.pages()[2]) == std::vector<Seen>{{"http://a/s1", 1, true, ""}, {"http://a/s2", 2, true, ""}});
}

TEST_CASE("LinkGraph stress: pages added from many threads at once lose and duplicate nothing") {
  constexpr int kThreads = 8;
  constexpr int kPagesEach = 300;
  constexpr int kLinks = 20;
  constexpr int kTargets = 1500;
  UrlTable urls;
  // The pages are interned up front, as the crawl does before a level runs.
  std::vector<UrlTable::Id> pages;
  for (int p = 0; p < kThreads * kPagesEach; ++p) pages.push_back(urls.intern("http://p/" + std::to_string(p)).first);
  LinkGraph g(urls, kLimits);
  g.start_level();
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPagesEach; ++i) {
          const int p = t * kPagesEach + i;
          std::vector<FoundLink> links;
          for (int l = 0; l < kLinks; ++l) {
            links.push_back({"http://t/" + std::to_string((p * 7 + l * 13) % kTargets), l % 3 == 0 ? "f" : "",
                             static_cast<std::uint32_t>(l + 1), l % 2 == 0});
          }
          g.add(pages[p], links);
        }
      });
    }
  }
  const auto level = g.level_pages();
  REQUIRE(level.size() == static_cast<std::size_t>(kThreads * kPagesEach));
  std::map<std::string, int> times;
  int wrong = 0;
  for (std::size_t i = 0; i < level.size(); ++i) {
    const auto page = level[i];
    const std::string from(urls[page.front().from]);
    ++times[from];
    if (i > 0 && !(urls[level[i - 1].front().from] < from)) ++wrong;  // strictly ascending: no page twice
    const int p = std::stoi(from.substr(9));
    if (page.size() != kLinks) ++wrong;
    for (std::size_t l = 0; l < page.size(); ++l) {
      const Edge& e = page[l];
      const bool ok = e.from == page.front().from && e.line == l + 1 && (e.follow != 0) == (l % 2 == 0) &&
                      urls[e.to] == "http://t/" + std::to_string((p * 7 + static_cast<int>(l) * 13) % kTargets) &&
                      g.fragment(e.fragment) == (l % 3 == 0 ? "f" : "");
      wrong += ok ? 0 : 1;
    }
  }
  CHECK(wrong == 0);
  CHECK(times.size() == static_cast<std::size_t>(kThreads * kPagesEach));
  CHECK(g.counts().links == static_cast<std::uint64_t>(kThreads * kPagesEach * kLinks));
  CHECK(urls.size() == static_cast<std::size_t>(kThreads * kPagesEach + kTargets));
}

TEST_CASE("LinkGraph: a line past 31 bits is told as the last one it can hold, not wrapped") {
  UrlTable urls;
  LinkGraph g(urls, kLimits);
  std::vector<FoundLink> links = {{"http://a/x", "", 0x80000005u, true}, {"http://a/y", "", Edge::kMaxLine, false}};
  g.add(urls.intern("http://a/").first, links);
  REQUIRE(g.pages().size() == 1);
  CHECK(g.pages()[0][0].line == Edge::kMaxLine);
  CHECK(g.pages()[0][0].follow == 1);
  CHECK(g.pages()[0][1].line == Edge::kMaxLine);
  CHECK(g.pages()[0][1].follow == 0);
}
