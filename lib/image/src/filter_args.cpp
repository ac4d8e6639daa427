#include "filter_args.h"

#include <charconv>
#include <cmath>

#include "image/filter.h"

namespace conc::image {
namespace {

std::string format_bound(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

bool looks_decimal(std::string_view s) {
  // from_chars alone would take "inf", "nan" and hex floats; a filter argument is plain decimal.
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return false;
  }
  return (s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' || s[0] == '.';
}

}  // namespace

std::vector<std::string_view> split_args(std::string_view args, char sep) {
  std::vector<std::string_view> out;
  if (args.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = args.find(sep, start);
    out.push_back(args.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

void bad_filter(const std::string& text, const std::string& why) {
  throw FilterSyntaxError("filter '" + text + "': " + why);
}

double parse_number(const std::string& text, std::string_view arg, std::string_view what, double min, double max) {
  std::string_view s = arg;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);  // from_chars rejects a leading '+'
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (!looks_decimal(arg) || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v < min ||
      v > max) {
    bad_filter(text, std::string(what) + " must be a number from " + format_bound(min) + " to " + format_bound(max) +
                         ", not '" + std::string(arg) + "'");
  }
  return v;
}

std::int64_t parse_whole(const std::string& text, std::string_view arg, std::string_view what, std::int64_t min,
                         std::int64_t max) {
  std::string_view s = arg;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < min || v > max) {
    bad_filter(text, std::string(what) + " must be a whole number from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", not '" + std::string(arg) + "'");
  }
  return v;
}

std::vector<std::string_view> expect_args(const std::string& text, std::string_view args, std::size_t min,
                                          std::size_t max, std::string_view usage) {
  auto fields = split_args(args);
  if (fields.size() < min || fields.size() > max) {
    if (max == 0) bad_filter(text, "takes no arguments (" + std::string(usage) + ")");
    bad_filter(text, "expected " + std::string(usage));
  }
  return fields;
}

}  // namespace conc::image
