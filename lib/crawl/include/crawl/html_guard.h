// crawl/html_guard.h: an HTML page made safe and cheap for gumbo to parse.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "crawl/extract_limits.h"

namespace conc::crawl {

/// A page as gumbo gets it, and what was changed to get there.
class GuardedHtml {
 public:
  /// What to parse: the page itself when nothing had to change (no copy),
  /// else a modified copy held here. Line breaks are never moved, so gumbo's
  /// line numbers are the page's.
  [[nodiscard]] std::string_view text() const noexcept { return copied_ ? std::string_view(copy_) : view_; }

  std::size_t nul_bytes = 0;     ///< NUL bytes, each replaced by U+FFFD
  std::size_t blanked_tags = 0;  ///< tags with too many attributes, replaced by spaces
  /// Set when the nesting limit cut the page: the byte offset (in the
  /// page) of the tag that would have gone too deep, and its line (1-based).
  bool cut = false;
  std::size_t cut_offset = 0;
  unsigned cut_line = 0;

 private:
  friend GuardedHtml guard_html(std::string_view html, const ExtractLimits& limits);
  std::string_view view_;
  std::string copy_;
  bool copied_ = false;
};

/// Prepares `html` for gumbo 0.10.1 within `limits` (see ExtractLimits):
///  - NUL bytes become U+FFFD (gumbo's error reporting assumes text without
///    NULs, a crash fixed only in forks; HTML turns most NULs into U+FFFD
///    anyway). Invalid UTF-8 is left to gumbo, which replaces it itself.
///  - A tag (start or end) with more than max_attributes_per_element
///    attributes is blanked: gumbo checks each new attribute against all
///    earlier ones.
///  - The page is cut before the start tag that would nest deeper than
///    max_depth: gumbo's work per tag grows with the depth.
/// The depth is an estimate from a light tokenizer (comments, raw text of
/// script/style/textarea/title, quoted attribute values, void elements,
/// elements whose end tags are optional, end tags closing what they enclose,
/// `<a>` closing an open `<a>`, a table counting as the four levels table,
/// tbody, tr and td); it errs towards deeper than the real tree, and the
/// tree walk checks the real depth again. Either way gumbo's tree is freed
/// without recursion (gumbo_memory.h), so no depth can overflow the stack.
/// Linear in the page's size.
GuardedHtml guard_html(std::string_view html, const ExtractLimits& limits);

}  // namespace conc::crawl
