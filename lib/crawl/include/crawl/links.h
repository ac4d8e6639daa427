// crawl/links.h: the links, base URL, robots hints and anchors of an HTML page.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "crawl/extract_limits.h"

namespace conc::crawl {

/// One link as the page wrote it.
struct Link {
  /// The attribute's value as the DOM sees it (character references
  /// decoded), HTML whitespace trimmed; one URL of a srcset; the URL of a
  /// meta refresh. Not resolved: see crawl/url.h.
  std::string reference;
  /// 1-based line where gumbo saw the attribute's value (for a srcset URL,
  /// the value's line plus the line breaks before that URL in it).
  unsigned line = 0;
  /// rel=nofollow on this a, area or link element: check it, do not recurse.
  bool nofollow = false;
  /// The element normally leads to an HTML page (a, area, iframe, frame,
  /// meta refresh), as opposed to a resource (img, script, link, ...).
  bool recurse = false;
  /// Where it came from, as `tag[attribute]` (`img[srcset]`,
  /// `meta[refresh]`): static storage.
  std::string_view source;
  friend bool operator==(const Link&, const Link&) = default;
};

/// What the limits (ExtractLimits) left out of a page. All zero/false: the
/// page was read whole.
struct ExtractCuts {
  bool refused = false;           ///< over max_bytes: not parsed at all
  bool input_cut = false;         ///< cut before a tag nesting deeper than max_depth
  unsigned cut_line = 0;          ///< the line of that tag
  std::size_t blanked_tags = 0;   ///< tags with too many attributes, removed before parsing
  std::size_t fat_elements = 0;   ///< elements with too many attributes that reached the tree anyway, ignored
  std::size_t deep_subtrees = 0;  ///< elements at max_depth whose children were not read
  std::size_t links_dropped = 0;  ///< links after the first max_links
  std::size_t anchors_dropped = 0;
  friend bool operator==(const ExtractCuts&, const ExtractCuts&) = default;
};

struct PageLinks {
  /// Every link of the kinds below, in document order.
  std::vector<Link> links;
  /// The first `<base href>`'s value, trimmed (resolve the links against
  /// it, itself resolved against the page URL); empty without one.
  std::string base_href;
  bool has_base = false;
  /// `<meta name=robots content=...>` says nofollow (or none): check the
  /// links, follow none of them.
  bool meta_nofollow = false;
  /// Every `id` (any element) and every `a[name]`, sorted and unique, for
  /// fragment checks (std::binary_search).
  std::vector<std::string> anchors;
  ExtractCuts cuts;
  /// The cuts in words ("page cut at line 9: elements nested deeper than
  /// 512; ..."), for the crawler's one line about the page; empty if none.
  std::string truncated;
  std::size_t nul_bytes = 0;  ///< NUL bytes in the page (parsed as U+FFFD)
  bool valid_utf8 = true;     ///< false: gumbo read invalid bytes as U+FFFD
};

/// Extracts from `html` (the body of a text/html response) with gumbo:
/// a[href], area[href], link[href], img[src], img[srcset], source[src],
/// source[srcset], script[src], iframe[src], frame[src], video[src],
/// video[poster], audio[src], track[src], object[data], and the URL of
/// `<meta http-equiv=refresh content="N; url=...">`; plus the base URL,
/// meta robots nofollow and the anchors. Only HTML elements give links
/// (not SVG's or MathML's); ids count in any namespace; `<template>`
/// contents are read. Empty values are kept (`href=""` links to the page).
///
/// Safe on any bytes: a page over limits.max_bytes is refused before
/// parsing; NULs, too many attributes and deep nesting are dealt with
/// before gumbo sees the page (guard_html); the tree is walked with an
/// explicit stack down to limits.max_depth. Every cut is in `cuts` and
/// `truncated`. Thread-safe (gumbo keeps no global state).
PageLinks extract_links(std::string_view html, const ExtractLimits& limits = {});

}  // namespace conc::crawl
