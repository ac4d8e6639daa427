#include "crawl/robots.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "ascii.h"
#include "crawl/percent_encoding.h"

namespace conc::crawl {
namespace {

using detail::iequals;
using detail::is_alpha;

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9309's product token: the leading run of letters, '-' and '_' ("*"
// for the catch-all), lower-cased.
std::string product_token(std::string_view value) {
  if (!value.empty() && value.front() == '*') return "*";
  std::size_t n = 0;
  while (n < value.size() && (is_alpha(value[n]) || value[n] == '-' || value[n] == '_')) ++n;
  return detail::lower_copy(value.substr(0, n));
}

// Does `pattern` (with `*` and a final `$`) match `path` from its start?
// Its literal pieces are found left to right, each as early as possible:
// with `*` as the only wildcard, the earliest place for a piece never loses
// a match a later place would give.
bool matches(std::string_view pattern, std::string_view path) {
  const bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  std::size_t star = pattern.find('*');
  const std::string_view first = pattern.substr(0, star);
  if (path.substr(0, first.size()) != first) return false;
  if (star == std::string_view::npos) return !anchored || path.size() == first.size();
  std::size_t pos = first.size();
  while (true) {
    const std::size_t next = pattern.find('*', star + 1);
    const std::string_view piece = pattern.substr(star + 1, next == std::string_view::npos ? next : next - star - 1);
    if (next == std::string_view::npos) {
      // The last piece: anywhere after pos, or (anchored) at the very end.
      if (!anchored) return path.find(piece, pos) != std::string_view::npos;
      return path.size() >= pos + piece.size() && path.substr(path.size() - piece.size()) == piece;
    }
    const std::size_t found = path.find(piece, pos);
    if (found == std::string_view::npos) return false;
    pos = found + piece.size();
    star = next;
  }
}

struct Group {
  std::vector<std::string> agents;  // product tokens, lower-case
  std::vector<RobotsRule> rules;
  std::optional<double> crawl_delay;
};

std::optional<double> parse_delay(std::string_view value) {
  double d = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
  if (ec == std::errc::result_out_of_range && !value.empty() && value.front() != '-') return kMaxCrawlDelay;
  if (ec != std::errc() || std::isnan(d) || d < 0) return std::nullopt;
  return std::min(d, kMaxCrawlDelay);
}

enum class Key { kUserAgent, kAllow, kDisallow, kCrawlDelay, kSitemap, kOther };

Key key_of(std::string_view name) {
  if (iequals(name, "user-agent")) return Key::kUserAgent;
  if (iequals(name, "allow")) return Key::kAllow;
  if (iequals(name, "disallow")) return Key::kDisallow;
  if (iequals(name, "crawl-delay")) return Key::kCrawlDelay;
  if (iequals(name, "sitemap")) return Key::kSitemap;
  return Key::kOther;
}

}  // namespace

bool RobotsTxt::allowed(std::string_view path_and_query) const {
  if (path_and_query == "/robots.txt") return true;
  const std::string path = normalize_percent_encoding(path_and_query);
  std::size_t best = 0;
  bool found = false;
  bool allow = true;
  for (const RobotsRule& rule : rules) {
    if (!matches(rule.pattern, path)) continue;
    const std::size_t length = rule.pattern.size();
    if (!found || length > best || (length == best && rule.allow && !allow)) {
      best = length;
      allow = rule.allow;
      found = true;
    }
  }
  return allow;
}

RobotsTxt parse_robots(std::string_view text, std::string_view user_agent_token) {
  RobotsTxt out;
  if (text.size() > kMaxRobotsBytes) {
    out.truncated = true;
    text = text.substr(0, kMaxRobotsBytes);
    // Drop the line the limit cut (unless the cut fell on its end).
    const std::size_t last_break = text.find_last_of("\r\n");
    text = text.substr(0, last_break == std::string_view::npos ? 0 : last_break + 1);
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  std::vector<Group> groups;
  bool in_agents = false;  // the last record was a User-agent line: the next one joins its group
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + (end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n' ? 2 : 1);

    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim_blanks(line);
    if (line.empty()) continue;
    std::size_t sep = line.find(':');
    if (sep == std::string_view::npos) sep = line.find_first_of(" \t");  // `Disallow /x`
    if (sep == std::string_view::npos) continue;
    const Key key = key_of(trim_blanks(line.substr(0, sep)));
    const std::string_view value = trim_blanks(line.substr(sep + 1));

    switch (key) {
      case Key::kUserAgent:
        if (!in_agents || groups.empty()) groups.emplace_back();
        in_agents = true;
        if (std::string token = product_token(value); !token.empty()) groups.back().agents.push_back(std::move(token));
        break;
      case Key::kAllow:
      case Key::kDisallow:
        in_agents = false;
        if (groups.empty() || value.empty() || (value.front() != '/' && value.front() != '*')) break;
        groups.back().rules.push_back(RobotsRule{normalize_percent_encoding(value), key == Key::kAllow});
        break;
      case Key::kCrawlDelay:
        in_agents = false;
        if (groups.empty()) break;
        if (const auto delay = parse_delay(value)) groups.back().crawl_delay = delay;
        break;
      case Key::kSitemap:
        if (!value.empty() && std::find(out.sitemaps.begin(), out.sitemaps.end(), value) == out.sitemaps.end()) {
          out.sitemaps.emplace_back(value);
        }
        break;
      case Key::kOther: break;
    }
  }

  std::string ours = product_token(user_agent_token);
  const auto names = [](const Group& g, std::string_view token) {
    return std::find(g.agents.begin(), g.agents.end(), token) != g.agents.end();
  };
  const bool specific =
      !ours.empty() && std::any_of(groups.begin(), groups.end(), [&](const Group& g) { return names(g, ours); });
  const std::string_view wanted = specific ? std::string_view(ours) : std::string_view("*");
  for (Group& g : groups) {
    if (!names(g, wanted)) continue;
    out.rules.insert(out.rules.end(), std::make_move_iterator(g.rules.begin()), std::make_move_iterator(g.rules.end()));
    if (g.crawl_delay && (!out.crawl_delay || *g.crawl_delay > *out.crawl_delay)) out.crawl_delay = g.crawl_delay;
  }
  return out;
}

}  // namespace conc::crawl
