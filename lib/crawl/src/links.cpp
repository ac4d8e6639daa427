#include "crawl/links.h"

#include <gumbo.h>

#include <algorithm>

#include "ascii.h"
#include "common/json_writer.h"
#include "crawl/html_guard.h"
#include "crawl/meta_refresh.h"
#include "crawl/srcset.h"
#include "gumbo_memory.h"

namespace conc::crawl {
namespace {

using detail::iequals;
using detail::is_html_space;
using detail::trim_html_space;

// The element leads to a page (recurse) or to a resource.
enum class Leads { kResource, kPage };

// Splits `value` at HTML whitespace (and commas, if asked) and tells
// whether one of the tokens is one of `wanted` (ASCII case-insensitive).
bool has_token(std::string_view value, std::initializer_list<std::string_view> wanted, bool commas) {
  std::size_t pos = 0;
  while (pos < value.size()) {
    while (pos < value.size() && (is_html_space(value[pos]) || (commas && value[pos] == ','))) ++pos;
    const std::size_t start = pos;
    while (pos < value.size() && !is_html_space(value[pos]) && !(commas && value[pos] == ',')) ++pos;
    const std::string_view token = value.substr(start, pos - start);
    if (token.empty()) continue;
    for (std::string_view w : wanted) {
      if (iequals(token, w)) return true;
    }
  }
  return false;
}

const GumboAttribute* attribute(const GumboElement& e, const char* name) {
  return gumbo_get_attribute(&e.attributes, name);
}

// The line where an attribute's value starts in `text` (what gumbo
// parsed). gumbo 0.10.1 leaves value_start uninitialised for an attribute
// without a value (valgrind; fuzzing saw garbage lines under ASan), so it
// is never read: the line is the name's, plus the line breaks between the
// name and the value's text, which original_value points into.
unsigned line_of(const GumboAttribute& a, std::string_view text) {
  unsigned line = a.name_start.line;
  if (a.original_value.length == 0 || a.original_value.data < text.data()) return line;
  const auto value_offset = static_cast<std::size_t>(a.original_value.data - text.data());
  if (value_offset > text.size() || a.name_start.offset > value_offset) return line;
  for (std::size_t i = a.name_start.offset; i < value_offset; ++i) {
    // CR LF, lone CR and lone LF are each one line break to HTML.
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) ++line;
  }
  return line;
}

class Extractor {
 public:
  Extractor(PageLinks& page, const ExtractLimits& limits, std::string_view text)
      : page_(page), limits_(limits), text_(text) {}

  void element(const GumboElement& e) {
    if (const GumboAttribute* id = attribute(e, "id"); id != nullptr && *id->value != '\0') anchor(id->value);
    if (e.tag_namespace != GUMBO_NAMESPACE_HTML) return;
    switch (e.tag) {
      case GUMBO_TAG_A:
        if (const GumboAttribute* name = attribute(e, "name"); name != nullptr && *name->value != '\0') {
          anchor(name->value);
        }
        [[fallthrough]];
      case GUMBO_TAG_AREA: link(e, "href", Leads::kPage, "a[href]", "area[href]"); break;
      case GUMBO_TAG_LINK: link(e, "href", Leads::kResource, "link[href]"); break;
      case GUMBO_TAG_IMG:
        link(e, "src", Leads::kResource, "img[src]");
        srcset(e, "img[srcset]");
        break;
      case GUMBO_TAG_SOURCE:
        link(e, "src", Leads::kResource, "source[src]");
        srcset(e, "source[srcset]");
        break;
      case GUMBO_TAG_SCRIPT: link(e, "src", Leads::kResource, "script[src]"); break;
      case GUMBO_TAG_IFRAME: link(e, "src", Leads::kPage, "iframe[src]"); break;
      case GUMBO_TAG_FRAME: link(e, "src", Leads::kPage, "frame[src]"); break;
      case GUMBO_TAG_VIDEO:
        link(e, "src", Leads::kResource, "video[src]");
        link(e, "poster", Leads::kResource, "video[poster]");
        break;
      case GUMBO_TAG_AUDIO: link(e, "src", Leads::kResource, "audio[src]"); break;
      case GUMBO_TAG_TRACK: link(e, "src", Leads::kResource, "track[src]"); break;
      case GUMBO_TAG_OBJECT: link(e, "data", Leads::kResource, "object[data]"); break;
      case GUMBO_TAG_META: meta(e); break;
      case GUMBO_TAG_BASE:
        if (const GumboAttribute* href = attribute(e, "href"); href != nullptr && !page_.has_base) {
          page_.has_base = true;
          page_.base_href = std::string(trim_html_space(href->value));
        }
        break;
      default: break;
    }
  }

 private:
  void add(std::string_view reference, unsigned line, bool nofollow, Leads leads, std::string_view source) {
    if (page_.links.size() >= limits_.max_links) {
      ++page_.cuts.links_dropped;
      return;
    }
    page_.links.push_back(Link{std::string(trim_html_space(reference)), line, nofollow, leads == Leads::kPage, source});
  }

  // `a` and `area` share a case: `source` is picked by the tag.
  void link(const GumboElement& e, const char* name, Leads leads, std::string_view source,
            std::string_view area_source = {}) {
    const GumboAttribute* a = attribute(e, name);
    if (a == nullptr) return;
    bool nofollow = false;
    if (e.tag == GUMBO_TAG_A || e.tag == GUMBO_TAG_AREA || e.tag == GUMBO_TAG_LINK) {
      const GumboAttribute* rel = attribute(e, "rel");
      nofollow = rel != nullptr && has_token(rel->value, {"nofollow"}, false);
    }
    add(a->value, line_of(*a, text_), nofollow, leads, e.tag == GUMBO_TAG_AREA ? area_source : source);
  }

  void srcset(const GumboElement& e, std::string_view source) {
    const GumboAttribute* a = attribute(e, "srcset");
    if (a == nullptr) return;
    const std::string_view value = a->value;
    unsigned line = line_of(*a, text_);
    std::size_t counted = 0;  // line breaks of `value` counted so far
    for (std::string_view url : srcset_urls(value)) {
      // gumbo turns CR LF and CR into LF in values, so LFs are the source's line breaks.
      const auto offset = static_cast<std::size_t>(url.data() - value.data());
      line += static_cast<unsigned>(std::count(value.begin() + static_cast<std::ptrdiff_t>(counted),
                                               value.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
      counted = offset;
      add(url, line, false, Leads::kResource, source);
    }
  }

  void meta(const GumboElement& e) {
    const GumboAttribute* content = attribute(e, "content");
    if (content == nullptr) return;
    if (const GumboAttribute* equiv = attribute(e, "http-equiv");
        equiv != nullptr && iequals(trim_html_space(equiv->value), "refresh")) {
      if (const auto url = meta_refresh_url(content->value)) {
        add(*url, line_of(*content, text_), false, Leads::kPage, "meta[refresh]");
      }
    }
    if (const GumboAttribute* name = attribute(e, "name"); name != nullptr &&
                                                           iequals(trim_html_space(name->value), "robots") &&
                                                           has_token(content->value, {"nofollow", "none"}, true)) {
      page_.meta_nofollow = true;
    }
  }

  void anchor(const char* value) {
    if (page_.anchors.size() >= limits_.max_links) {
      ++page_.cuts.anchors_dropped;
      return;
    }
    page_.anchors.emplace_back(value);
  }

  PageLinks& page_;
  const ExtractLimits& limits_;
  std::string_view text_;  // what gumbo parsed: its positions point into it
};

// Elements the parser made as copies of earlier ones, attributes included.
constexpr unsigned kParserCopy =
    GUMBO_INSERTION_RECONSTRUCTED_FORMATTING_ELEMENT | GUMBO_INSERTION_ADOPTION_AGENCY_CLONED;

const GumboVector* children_of(const GumboNode& node) {
  switch (node.type) {
    case GUMBO_NODE_DOCUMENT: return &node.v.document.children;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE: return &node.v.element.children;
    default: return nullptr;
  }
}

bool is_element(const GumboNode& node) { return node.type == GUMBO_NODE_ELEMENT || node.type == GUMBO_NODE_TEMPLATE; }

bool has_element_child(const GumboNode& node) {
  const GumboVector* children = children_of(node);
  for (unsigned i = 0; i < children->length; ++i) {
    if (is_element(*static_cast<const GumboNode*>(children->data[i]))) return true;
  }
  return false;
}

std::string describe(const ExtractCuts& cuts, const ExtractLimits& limits, std::size_t bytes) {
  std::string out;
  const auto add = [&out](const std::string& reason) {
    if (!out.empty()) out += "; ";
    out += reason;
  };
  if (cuts.refused) {
    add("page of " + std::to_string(bytes) + " bytes not parsed (limit " + std::to_string(limits.max_bytes) + ")");
  }
  if (cuts.input_cut) {
    add("page cut at line " + std::to_string(cuts.cut_line) + ": elements nested deeper than " +
        std::to_string(limits.max_depth));
  }
  if (const std::size_t fat = cuts.blanked_tags + cuts.fat_elements; fat != 0) {
    add(std::to_string(fat) + " tag(s) with more than " + std::to_string(limits.max_attributes_per_element) +
        " attributes ignored");
  }
  if (cuts.deep_subtrees != 0) {
    add("content of " + std::to_string(cuts.deep_subtrees) + " element(s) at depth " +
        std::to_string(limits.max_depth) + " not read");
  }
  if (cuts.links_dropped != 0) {
    add(std::to_string(cuts.links_dropped) + " link(s) after the first " + std::to_string(limits.max_links) +
        " dropped");
  }
  if (cuts.anchors_dropped != 0) {
    add(std::to_string(cuts.anchors_dropped) + " anchor(s) after the first " + std::to_string(limits.max_links) +
        " dropped");
  }
  return out;
}

}  // namespace

PageLinks extract_links(std::string_view html, const ExtractLimits& limits) {
  PageLinks page;
  if (html.size() > limits.max_bytes) {
    page.cuts.refused = true;
    page.truncated = describe(page.cuts, limits, html.size());
    return page;
  }
  page.valid_utf8 = common::is_valid_utf8(html);
  const GuardedHtml guarded = guard_html(html, limits);
  page.nul_bytes = guarded.nul_bytes;
  page.cuts.input_cut = guarded.cut;
  page.cuts.cut_line = guarded.cut_line;
  page.cuts.blanked_tags = guarded.blanked_tags;

  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;      // parse errors are never read: do not build them
  detail::GumboMemory memory;  // frees the tree (see gumbo_memory.h): no gumbo_destroy_output
  memory.install(options);
  const std::string_view text = guarded.text();
  const GumboOutput* output = gumbo_parse_with_options(&options, text.data(), text.size());
  if (output == nullptr) return page;

  // Depth-first, children in order: document order, without recursion
  // (the depth of a gumbo tree is the page's to choose).
  Extractor extractor(page, limits, text);
  struct Item {
    const GumboNode* node;
    std::size_t depth;  // the html element is at 1
  };
  std::vector<Item> stack;
  const auto push_children = [&stack](const GumboNode& node, std::size_t depth) {
    const GumboVector* children = children_of(node);
    for (unsigned i = children->length; i-- > 0;) {
      const auto* child = static_cast<const GumboNode*>(children->data[i]);
      if (is_element(*child)) stack.push_back({child, depth});
    }
  };
  push_children(*output->document, 1);
  while (!stack.empty()) {
    const Item item = stack.back();
    stack.pop_back();
    const GumboElement& e = item.node->v.element;
    if ((item.node->parse_flags & kParserCopy) != 0) {
      // A copy of an element already read (HTML re-opens formatting
      // elements such as <a> after misnesting): its links are not new.
    } else if (e.attributes.length > limits.max_attributes_per_element) {
      ++page.cuts.fat_elements;
    } else {
      extractor.element(e);
    }
    if (item.depth >= limits.max_depth) {
      if (has_element_child(*item.node)) ++page.cuts.deep_subtrees;
      continue;
    }
    push_children(*item.node, item.depth + 1);
  }

  std::sort(page.anchors.begin(), page.anchors.end());
  page.anchors.erase(std::unique(page.anchors.begin(), page.anchors.end()), page.anchors.end());
  page.truncated = describe(page.cuts, limits, html.size());
  return page;
}

}  // namespace conc::crawl
