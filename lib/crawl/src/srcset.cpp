#include "crawl/srcset.h"

#include <string>

#include "ascii.h"

namespace conc::crawl {
namespace {

using detail::is_digit;
using detail::is_html_space;

// HTML's "valid non-negative integer": one or more ASCII digits.
bool is_non_negative_integer(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

bool is_zero_integer(std::string_view s) {
  for (char c : s) {
    if (c != '0') return false;
  }
  return true;
}

std::size_t skip_digits(std::string_view s, std::size_t i) {
  while (i < s.size() && is_digit(s[i])) ++i;
  return i;
}

// HTML's "valid floating-point number": -? (digits | digits? '.' digits)
// ([eE] [+-]? digits)?. Its value only matters for its sign here.
bool is_float(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const std::size_t int_start = i;
  i = skip_digits(s, i);
  bool digits = i > int_start;
  if (i < s.size() && s[i] == '.') {
    const std::size_t frac_start = ++i;
    i = skip_digits(s, i);
    if (i == frac_start) return false;
    digits = true;
  }
  if (!digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t exp_start = i;
    i = skip_digits(s, i);
    if (i == exp_start) return false;
  }
  return i == s.size();
}

// A float below zero: a '-' and at least one non-zero digit in its mantissa.
bool is_negative_float(std::string_view s) {
  if (s.empty() || s[0] != '-') return false;
  for (char c : s.substr(1)) {
    if (c == 'e' || c == 'E') break;
    if (c >= '1' && c <= '9') return true;
  }
  return false;
}

// The standard's descriptor parser: true when the candidate is kept.
bool descriptors_valid(const std::vector<std::string_view>& descriptors) {
  bool width = false;
  bool density = false;
  bool height = false;
  for (std::string_view d : descriptors) {
    const char last = d.back();
    const std::string_view value = d.substr(0, d.size() - 1);
    if (last == 'w') {
      if (width || density || !is_non_negative_integer(value) || is_zero_integer(value)) return false;
      width = true;
    } else if (last == 'x') {
      if (width || density || height || !is_float(value) || is_negative_float(value)) return false;
      density = true;
    } else if (last == 'h') {
      if (height || density || !is_non_negative_integer(value) || is_zero_integer(value)) return false;
      height = true;
    } else {
      return false;
    }
  }
  return !height || width;
}

}  // namespace

std::vector<std::string_view> srcset_urls(std::string_view value) {
  std::vector<std::string_view> urls;
  std::vector<std::string_view> descriptors;
  const std::size_t n = value.size();
  std::size_t pos = 0;
  while (true) {
    // Splitting loop: whitespace and commas before a candidate.
    while (pos < n && (is_html_space(value[pos]) || value[pos] == ',')) ++pos;
    if (pos >= n) return urls;
    const std::size_t url_start = pos;
    while (pos < n && !is_html_space(value[pos])) ++pos;
    std::string_view url = value.substr(url_start, pos - url_start);
    descriptors.clear();
    if (url.back() == ',') {
      // A URL ending in commas has no descriptors.
      while (!url.empty() && url.back() == ',') url.remove_suffix(1);
    } else {
      // Descriptor tokenizer: up to a comma outside parentheses, or the end.
      while (pos < n && is_html_space(value[pos])) ++pos;
      enum class State { kInDescriptor, kInParens, kAfterDescriptor } state = State::kInDescriptor;
      std::size_t start = pos;  // of the current descriptor
      bool done = false;
      while (!done) {
        const bool eof = pos >= n;
        const char c = eof ? '\0' : value[pos];
        switch (state) {
          case State::kInDescriptor:
            if (eof) {
              if (pos > start) descriptors.push_back(value.substr(start, pos - start));
              done = true;
            } else if (is_html_space(c)) {
              if (pos > start) descriptors.push_back(value.substr(start, pos - start));
              state = State::kAfterDescriptor;
            } else if (c == ',') {
              if (pos > start) descriptors.push_back(value.substr(start, pos - start));
              ++pos;
              done = true;
            } else if (c == '(') {
              state = State::kInParens;
            }
            break;
          case State::kInParens:
            if (eof) {
              descriptors.push_back(value.substr(start, pos - start));
              done = true;
            } else if (c == ')') {
              state = State::kInDescriptor;
            }
            break;
          case State::kAfterDescriptor:
            if (eof) {
              done = true;
            } else if (!is_html_space(c)) {
              state = State::kInDescriptor;
              start = pos;
              continue;  // reconsume c in the descriptor state
            }
            break;
        }
        if (!done) ++pos;
      }
    }
    if (!url.empty() && descriptors_valid(descriptors)) urls.push_back(url);
  }
}

}  // namespace conc::crawl
