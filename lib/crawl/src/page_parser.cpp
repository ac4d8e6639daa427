// The crawler's view of a page: its links resolved against the page (and
// its <base href>), with the scheme class of each, and its anchors.
#include "crawl/links.h"
#include "crawl/url.h"
#include "job.h"

namespace conc::crawl::detail {
namespace {

// Gumbo 0.10.1 is an archived release behind conc's own limits: a body is
// at most --max-body (checked while it arrives) and the tree walk in
// extract_links caps nesting depth, attributes per element and links.
const ExtractLimits kLimits{};

}  // namespace

ParsedPage parse_page(const std::string& body, const std::string& url) {
  ParsedPage page;
  PageLinks found = extract_links(body, kLimits);
  std::string base = url;
  if (!found.base_href.empty()) {
    if (auto b = resolve(url, found.base_href)) base = std::move(b->url);
  }
  const bool page_nofollow = found.meta_nofollow;
  page.links.reserve(found.links.size());
  const auto malformed = [&page](const auto& link) {
    if (page.malformed++ == 0) {
      page.first_malformed = link.reference;
      page.first_malformed_line = link.line;
    }
  };
  const Resolver resolver(base);
  ResolvedUrl resolved;
  for (const auto& link : found.links) {
    switch (resolver.resolve(link.reference, resolved)) {
      case UrlKind::kSkipped: ++page.skipped_schemes; continue;
      case UrlKind::kMalformed: malformed(link); continue;
      case UrlKind::kFetchable: break;
    }
    page.links.push_back(
        FoundLink{std::move(resolved.url), std::move(resolved.fragment), link.line, !link.nofollow && !page_nofollow});
  }
  page.anchors = std::move(found.anchors);
  const auto note = [&page](const std::string& text) { page.notes += (page.notes.empty() ? "" : "; ") + text; };
  if (!found.truncated.empty()) note(found.truncated);
  if (!found.valid_utf8) note("not UTF-8: its bad bytes were read as U+FFFD");
  if (found.nul_bytes != 0) note(std::to_string(found.nul_bytes) + " NUL bytes, read as U+FFFD");
  return page;
}

}  // namespace conc::crawl::detail
