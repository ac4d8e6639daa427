// crawl/extract_limits.h: the limits that stand between a page and gumbo.
#pragma once

#include <cstddef>

namespace conc::crawl {

/// Limits on what link extraction hands to gumbo-parser and reads back.
///
/// Debian's gumbo 0.10.1 is an archived release: it is treated as a black
/// box, kept to inputs whose cost is known. Its time grows with the bytes
/// times the nesting depth (each `<div>` scans the open elements: 80,000
/// nested divs take a minute) and with the square of one tag's attributes
/// (50,000 take 25 s), so both are bounded before parsing (see
/// guard_html), and the tree walk checks them again.
struct ExtractLimits {
  /// A longer page is not parsed at all (reported). The crawler's own
  /// --max-body usually stops a page long before this.
  std::size_t max_bytes = std::size_t{32} << 20;
  /// Nesting read: the input is cut before the tag that would open element
  /// number max_depth + 1 (browsers, Blink for one, stop nesting at 512
  /// too), and the tree walk does not descend below this depth.
  std::size_t max_depth = 512;
  /// A tag with more attributes is removed before parsing (its text blanked,
  /// line breaks kept), so its element and its links are ignored.
  std::size_t max_attributes_per_element = 256;
  /// Links (and, separately, anchors) kept per page; the rest are counted.
  std::size_t max_links = 100000;
};

}  // namespace conc::crawl
