#include "hash/checksum_line.h"

#include <algorithm>

namespace conc::hash {
namespace {

bool is_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Lowercase hex of exactly `digits` digits, or nullopt.
std::optional<std::string> parse_hex(std::string_view text, std::size_t digits) {
  if (text.size() != digits || !std::all_of(text.begin(), text.end(), is_hex)) return std::nullopt;
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Undoes escape_name; nullopt on an unknown escape or a trailing backslash
// (coreutils treats those lines as improperly formatted).
std::optional<std::string> unescape_name(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    switch (text[i]) {
      case '\\': out.push_back('\\'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      default: return std::nullopt;
    }
  }
  return out;
}

std::optional<ChecksumLine> parse_tag_line(std::string_view s, bool escaped, const common::DigestSpec& gnu) {
  // TAG (NAME) = HASH; the name may itself hold ") = ", so split at the last one.
  const auto open = s.find(" (");
  if (open == std::string_view::npos) return std::nullopt;
  const auto algo = common::algo_by_tag(s.substr(0, open));
  if (!algo) return std::nullopt;
  const auto close = s.rfind(") = ");
  if (close == std::string_view::npos || close < open + 2) return std::nullopt;
  const std::size_t bytes = *algo == gnu.algo ? gnu.output_bytes() : common::info(*algo).digest_bytes;
  auto hex = parse_hex(s.substr(close + 4), 2 * bytes);
  if (!hex) return std::nullopt;
  std::string_view raw = s.substr(open + 2, close - open - 2);
  auto name = escaped ? unescape_name(raw) : std::optional<std::string>(std::string(raw));
  if (!name || name->empty()) return std::nullopt;
  return ChecksumLine{*algo, std::move(*hex), std::move(*name)};
}

std::optional<ChecksumLine> parse_gnu_line(std::string_view s, bool escaped, const common::DigestSpec& gnu) {
  const std::size_t digits = 2 * gnu.output_bytes();
  // HASH, a space, then ' ' (text) or '*' (binary), then the name.
  if (s.size() < digits + 3 || s[digits] != ' ' || (s[digits + 1] != ' ' && s[digits + 1] != '*')) return std::nullopt;
  auto hex = parse_hex(s.substr(0, digits), digits);
  if (!hex) return std::nullopt;
  std::string_view raw = s.substr(digits + 2);
  auto name = escaped ? unescape_name(raw) : std::optional<std::string>(std::string(raw));
  if (!name || name->empty()) return std::nullopt;
  return ChecksumLine{gnu.algo, std::move(*hex), std::move(*name)};
}

}  // namespace

bool needs_escape(std::string_view name) noexcept { return name.find_first_of("\\\n\r") != std::string_view::npos; }

std::string escape_name(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 8);
  for (char c : name) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string display_name(std::string_view name) {
  // coreutils escapes a verdict's name only when it holds a newline.
  return name.find('\n') != std::string_view::npos ? "\\" + escape_name(name) : std::string(name);
}

std::string format_line(LineStyle style, common::Algo algo, std::string_view hex, std::string_view name, bool zero) {
  const bool escape = !zero && needs_escape(name);
  const std::string shown = escape ? escape_name(name) : std::string(name);
  std::string line;
  line.reserve(hex.size() + shown.size() + 24);
  if (escape) line.push_back('\\');
  if (style == LineStyle::kTag) {
    line.append(common::info(algo).tag).append(" (").append(shown).append(") = ").append(hex);
  } else {
    line.append(hex).append("  ").append(shown);
  }
  line.push_back(zero ? '\0' : '\n');
  return line;
}

std::optional<ChecksumLine> parse_checksum_line(std::string_view line, const common::DigestSpec& gnu) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  const bool escaped = !line.empty() && line.front() == '\\';
  if (escaped) line.remove_prefix(1);
  if (auto tag = parse_tag_line(line, escaped, gnu)) return tag;
  return parse_gnu_line(line, escaped, gnu);
}

}  // namespace conc::hash
