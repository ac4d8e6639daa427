// crawl/sitemap.h: the URLs of a sitemap (sitemaps.org), plain or gzipped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace conc::crawl {

struct Sitemap {
  enum class Kind {
    kUrlset,   ///< <urlset>: `locs` are pages
    kIndex,    ///< <sitemapindex>: `locs` are more sitemaps
    kUnknown,  ///< neither root element: not a sitemap
  };
  Kind kind = Kind::kUnknown;
  std::vector<std::string> locs;  ///< each <loc>'s text: entities decoded, CDATA unwrapped, blanks trimmed
  std::string error;              ///< why the body could not be read whole, or empty
};

/// Reads a sitemap body. A body starting with gzip's magic bytes is
/// inflated first (`.xml.gz` is served as application/gzip, without
/// Content-Encoding, so libcurl leaves it compressed). At most `max_xml`
/// bytes of XML are read: past that, or on corrupt gzip data, `error` says
/// why and `locs` holds what came before. The XML is scanned, not
/// validated: a `<loc>` anywhere counts, namespace prefixes (`<sm:loc>`)
/// included, and comments are skipped.
[[nodiscard]] Sitemap parse_sitemap(std::string_view body, std::size_t max_xml);

}  // namespace conc::crawl
