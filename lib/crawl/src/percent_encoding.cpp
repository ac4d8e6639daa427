#include "crawl/percent_encoding.h"

#include "ascii.h"

namespace conc::crawl {
namespace {

using detail::hex_value;
using detail::is_alpha;
using detail::is_digit;
using detail::is_hex;
using detail::to_upper;

constexpr char kHex[] = "0123456789ABCDEF";

constexpr bool is_unreserved(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Bytes outside RFC 3986's character set: they cannot be in a URI unencoded.
constexpr bool must_encode(unsigned char c) noexcept {
  if (c <= 0x20 || c >= 0x7F) return true;
  switch (c) {
    case '"':
    case '<':
    case '>':
    case '\\':
    case '^':
    case '`':
    case '{':
    case '|':
    case '}': return true;
    default: return false;
  }
}

void append_escape(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

}  // namespace

void append_normalized_percent_encoding(std::string& out, std::string_view in) {
  out.reserve(out.size() + in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 < in.size() && is_hex(in[i + 1]) && is_hex(in[i + 2])) {
        const auto byte = static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
        if (is_unreserved(byte)) {
          out += byte;
        } else {
          out += '%';
          out += to_upper(in[i + 1]);
          out += to_upper(in[i + 2]);
        }
        i += 2;
      } else {
        out += "%25";
      }
    } else if (must_encode(static_cast<unsigned char>(c))) {
      append_escape(out, static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
}

std::string normalize_percent_encoding(std::string_view in) {
  std::string out;
  append_normalized_percent_encoding(out, in);
  return out;
}

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && is_hex(in[i + 1]) && is_hex(in[i + 2])) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

}  // namespace conc::crawl
