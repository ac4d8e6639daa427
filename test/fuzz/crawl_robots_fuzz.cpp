// parse_robots on arbitrary files, and RobotsTxt::allowed on paths taken from
// the file, checked against a plain reference: a quadratic glob matcher and
// the longest-match rule written out.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crawl/percent_encoding.h"
#include "crawl/robots.h"
#include "require.h"

namespace {

using conc::crawl::normalize_percent_encoding;
using conc::crawl::RobotsRule;
using conc::crawl::RobotsTxt;

// Does `pattern` match a prefix of `path` ('*' any run, a final '$' the
// end)? Dynamic programming over (pattern position, path position).
bool reference_match(std::string_view pattern, std::string_view path) {
  const bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  // reach[j]: the pattern so far can end at path position j.
  std::vector<char> reach(path.size() + 1, 0);
  reach[0] = 1;
  for (const char p : pattern) {
    std::vector<char> next(path.size() + 1, 0);
    if (p == '*') {
      char any = 0;
      for (std::size_t j = 0; j <= path.size(); ++j) {
        any = static_cast<char>(any | reach[j]);
        next[j] = any;
      }
    } else {
      for (std::size_t j = 0; j < path.size(); ++j) next[j + 1] = static_cast<char>(reach[j] && path[j] == p);
    }
    reach.swap(next);
  }
  if (anchored) return reach[path.size()] != 0;
  for (const char r : reach) {
    if (r != 0) return true;
  }
  return false;
}

bool reference_allowed(const RobotsTxt& robots, std::string_view path) {
  if (path == "/robots.txt") return true;
  const std::string normal = normalize_percent_encoding(path);
  bool found = false;
  std::size_t best = 0;
  bool allow = true;
  for (const RobotsRule& rule : robots.rules) {
    if (!reference_match(rule.pattern, normal)) continue;
    if (!found || rule.pattern.size() > best) {
      best = rule.pattern.size();
      allow = rule.allow;
      found = true;
    } else if (rule.pattern.size() == best) {
      allow = allow || rule.allow;  // Allow wins a tie
    }
  }
  return allow;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // the reference matcher is quadratic
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const RobotsTxt robots = conc::crawl::parse_robots(text, "conc-crawl");
  if (robots.crawl_delay) {
    CONC_FUZZ_REQUIRE(*robots.crawl_delay >= 0 && *robots.crawl_delay <= conc::crawl::kMaxCrawlDelay);
  }
  for (const RobotsRule& rule : robots.rules) {
    CONC_FUZZ_REQUIRE(!rule.pattern.empty() && (rule.pattern.front() == '/' || rule.pattern.front() == '*'));
    CONC_FUZZ_REQUIRE(normalize_percent_encoding(rule.pattern) == rule.pattern);
  }
  CONC_FUZZ_REQUIRE(robots.allowed("/robots.txt"));

  // Paths: each line of the file as a path, and each rule's pattern with
  // its wildcards filled in.
  std::vector<std::string> paths{"/", "/a", "/index.html?x=1"};
  std::size_t start = 0;
  while (start < text.size() && paths.size() < 64) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    paths.push_back("/" + std::string(text.substr(start, end - start)));
    start = end + 1;
  }
  for (const RobotsRule& rule : robots.rules) {
    std::string p;
    for (const char c : rule.pattern) p += c == '*' ? std::string("xy") : c == '$' ? std::string() : std::string(1, c);
    paths.push_back(p);
    paths.push_back(p + "z");
  }
  for (const std::string& path : paths) CONC_FUZZ_REQUIRE(robots.allowed(path) == reference_allowed(robots, path));
  return 0;
}
