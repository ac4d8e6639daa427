// extract_links on arbitrary pages, with tiny limits so that every cut is
// reached: whatever the bytes, gumbo 0.10.1 behind guard_html must not crash
// or hang, and the result must keep the promises of crawl/links.h. The
// first byte picks the limits, the rest is the page.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crawl/html_guard.h"
#include "crawl/links.h"
#include "require.h"

namespace {

using conc::crawl::extract_links;
using conc::crawl::ExtractLimits;
using conc::crawl::guard_html;
using conc::crawl::GuardedHtml;
using conc::crawl::Link;
using conc::crawl::PageLinks;

bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

// Line breaks as HTML counts them: CR LF, lone CR, lone LF.
unsigned lines_in(std::string_view s) {
  unsigned lines = 1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n'))) ++lines;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t knobs = data[0];
  const std::string_view page(reinterpret_cast<const char*>(data) + 1, size - 1);

  ExtractLimits limits;
  limits.max_depth = 2 + (knobs & 0x0F);                                      // 2..17
  limits.max_attributes_per_element = 1 + (knobs >> 4);                       // 1..16
  limits.max_links = 1 + (knobs & 0x1F);                                      // 1..32
  limits.max_bytes = (knobs & 0xE0) == 0xE0 ? page.size() / 2 : page.size();  // 1 in 8 refused

  // The guard keeps every line break where it was.
  const GuardedHtml guarded = guard_html(page, limits);
  CONC_FUZZ_REQUIRE(guarded.text().size() >= (guarded.cut ? guarded.cut_offset : page.size()));
  CONC_FUZZ_REQUIRE(lines_in(guarded.text()) ==
                    lines_in(page.substr(0, guarded.cut ? guarded.cut_offset : page.size())));
  CONC_FUZZ_REQUIRE(guarded.text().find('\0') == std::string_view::npos);

  const PageLinks links = extract_links(page, limits);
  if (links.cuts.refused) {
    CONC_FUZZ_REQUIRE(page.size() > limits.max_bytes);
    CONC_FUZZ_REQUIRE(links.links.empty() && links.anchors.empty() && !links.truncated.empty());
    return 0;
  }
  CONC_FUZZ_REQUIRE(links.links.size() <= limits.max_links);
  CONC_FUZZ_REQUIRE(links.anchors.size() <= limits.max_links);
  CONC_FUZZ_REQUIRE(std::is_sorted(links.anchors.begin(), links.anchors.end()));
  CONC_FUZZ_REQUIRE(std::adjacent_find(links.anchors.begin(), links.anchors.end()) == links.anchors.end());
  const unsigned last_line = lines_in(page);
  for (const Link& link : links.links) {
    CONC_FUZZ_REQUIRE(link.line >= 1 && link.line <= last_line);
    CONC_FUZZ_REQUIRE(!link.source.empty());
    if (!link.reference.empty()) {
      CONC_FUZZ_REQUIRE(!is_html_space(link.reference.front()) && !is_html_space(link.reference.back()));
    }
  }
  const bool cut = links.cuts.input_cut || links.cuts.blanked_tags != 0 || links.cuts.fat_elements != 0 ||
                   links.cuts.deep_subtrees != 0 || links.cuts.links_dropped != 0 || links.cuts.anchors_dropped != 0;
  CONC_FUZZ_REQUIRE(cut == !links.truncated.empty());
  CONC_FUZZ_REQUIRE(links.nul_bytes == static_cast<std::size_t>(std::count(page.begin(), page.end(), '\0')) ||
                    links.cuts.input_cut);
  return 0;
}
