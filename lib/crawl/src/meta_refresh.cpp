#include "crawl/meta_refresh.h"

#include "ascii.h"

namespace conc::crawl {

std::optional<std::string_view> meta_refresh_url(std::string_view content) {
  using detail::is_digit;
  using detail::is_html_space;
  using detail::to_lower;
  const std::string_view in = content;
  std::size_t pos = 0;
  const auto skip_space = [&] {
    while (pos < in.size() && is_html_space(in[pos])) ++pos;
  };
  skip_space();
  // The time: digits, or a '.' that starts its fraction; its value is not needed.
  const std::size_t time_start = pos;
  while (pos < in.size() && is_digit(in[pos])) ++pos;
  if (pos == time_start && (pos >= in.size() || in[pos] != '.')) return std::nullopt;
  while (pos < in.size() && (is_digit(in[pos]) || in[pos] == '.')) ++pos;
  if (pos >= in.size()) return std::nullopt;  // a time alone: reload this page
  if (in[pos] != ';' && in[pos] != ',' && !is_html_space(in[pos])) return std::nullopt;
  skip_space();
  if (pos < in.size() && (in[pos] == ';' || in[pos] == ',')) ++pos;
  skip_space();
  if (pos >= in.size()) return std::nullopt;
  std::string_view url = in.substr(pos);
  // An optional `url =` prefix; without its '=' the text is the URL itself.
  if (pos + 3 <= in.size() && to_lower(in[pos]) == 'u' && to_lower(in[pos + 1]) == 'r' &&
      to_lower(in[pos + 2]) == 'l') {
    std::size_t p = pos + 3;
    while (p < in.size() && is_html_space(in[p])) ++p;
    if (p < in.size() && in[p] == '=') {
      ++p;
      while (p < in.size() && is_html_space(in[p])) ++p;
      pos = p;
      url = in.substr(pos);
    }
  }
  // Quotes open the URL right here or after `url=` (after a bare `url` the
  // position is still on its 'u').
  if (pos < in.size() && (in[pos] == '\'' || in[pos] == '"')) {
    const char quote = in[pos];
    url = in.substr(pos + 1);
    if (const auto end = url.find(quote); end != std::string_view::npos) url = url.substr(0, end);
  }
  url = detail::trim_html_space(url);
  if (url.empty()) return std::nullopt;
  return url;
}

}  // namespace conc::crawl
