// parse_sitemap on arbitrary bytes (plain, and gzip when they start with its
// magic): it never reads past the bound, and every loc is trimmed text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crawl/sitemap.h"
#include "require.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t kMaxXml = 1 << 16;
  const auto sitemap = conc::crawl::parse_sitemap(body, kMaxXml);
  std::size_t total = 0;
  for (const auto& loc : sitemap.locs) {
    CONC_FUZZ_REQUIRE(!loc.empty());
    CONC_FUZZ_REQUIRE(loc.front() != ' ' && loc.back() != ' ' && loc.front() != '\n' && loc.back() != '\n');
    total += loc.size();
  }
  // Decoding only shrinks text (every entity is longer than its UTF-8, a
  // CDATA section than its content): the locs fit in the XML read.
  CONC_FUZZ_REQUIRE(total <= kMaxXml);
  if (sitemap.kind == conc::crawl::Sitemap::Kind::kUnknown) CONC_FUZZ_REQUIRE(sitemap.locs.empty());
  return 0;
}
