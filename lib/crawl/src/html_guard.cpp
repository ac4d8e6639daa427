#include "crawl/html_guard.h"

#include <algorithm>
#include <span>
#include <unordered_map>
#include <vector>

#include "ascii.h"

namespace conc::crawl {
namespace {

using detail::is_alpha;
using detail::is_html_space;
using detail::to_lower;

// Tag names longer than this are cut short for the depth model: they are
// unknown elements anyway, and the model must not keep megabytes of names.
constexpr std::size_t kMaxNameKept = 32;

// Elements that never stay open on their own: void elements, and those whose
// next sibling (or their parent's end) closes them, so they do not nest in
// practice. Not counted, so a page of 10,000 unclosed <p> or <li> is flat.
constexpr std::string_view kFlat[] = {
    "area",  "base",  "basefont", "bgsound", "body",  "br",    "caption", "col",   "colgroup", "dd",     "dt",
    "embed", "frame", "head",     "hr",      "html",  "image", "img",     "input", "isindex",  "keygen", "li",
    "link",  "meta",  "optgroup", "option",  "p",     "param", "rb",      "rp",    "rt",       "rtc",    "source",
    "tbody", "td",    "tfoot",    "th",      "thead", "tr",    "track",   "wbr"};

// Their content is text up to their own end tag.
constexpr std::string_view kRawText[] = {"iframe", "noembed",  "noframes", "script",
                                         "style",  "textarea", "title",    "xmp"};

// A new start tag of these closes the open one instead of nesting.
// (Not <table>: a table in a cell nests.)
constexpr std::string_view kNoSelfNesting[] = {"a", "button", "form", "nobr"};

bool one_of(std::span<const std::string_view> set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

bool is_heading(std::string_view name) {
  return name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6';
}

struct Tag {
  std::size_t end = std::string_view::npos;  ///< just past '>'; npos: the page ends inside the tag
  std::size_t attributes = 0;
  bool self_closing = false;
};

// The attributes of a tag, from just after its name, as the HTML tokenizer
// splits them (names end at whitespace, '/', '>' or '='; values are quoted
// or run to whitespace or '>').
Tag scan_attributes(std::string_view s, std::size_t pos) {
  Tag tag;
  const std::size_t n = s.size();
  const auto skip_space = [&] {
    while (pos < n && is_html_space(s[pos])) ++pos;
  };
  while (true) {
    skip_space();
    if (pos >= n) return tag;
    if (s[pos] == '>') {
      tag.end = pos + 1;
      return tag;
    }
    if (s[pos] == '/') {
      if (pos + 1 < n && s[pos + 1] == '>') {
        tag.self_closing = true;
        tag.end = pos + 2;
        return tag;
      }
      ++pos;
      continue;
    }
    ++tag.attributes;
    ++pos;  // the name's first character, which may be '='
    while (pos < n && !is_html_space(s[pos]) && s[pos] != '/' && s[pos] != '>' && s[pos] != '=') ++pos;
    skip_space();
    if (pos >= n || s[pos] != '=') continue;
    ++pos;
    skip_space();
    if (pos >= n) return tag;
    if (s[pos] == '"' || s[pos] == '\'') {
      const std::size_t close = s.find(s[pos], pos + 1);
      if (close == std::string_view::npos) return tag;
      pos = close + 1;
    } else {
      while (pos < n && !is_html_space(s[pos]) && s[pos] != '>') ++pos;
    }
  }
}

// Reads a tag name starting at `pos` into `name` (lower-case, cut short).
std::size_t read_name(std::string_view s, std::size_t pos, std::string& name) {
  name.clear();
  while (pos < s.size() && !is_html_space(s[pos]) && s[pos] != '/' && s[pos] != '>') {
    if (name.size() < kMaxNameKept) name += to_lower(s[pos]);
    ++pos;
  }
  return pos;
}

// Where the raw text of element `name` ends: the '<' of its end tag, or the
// end of the page.
std::size_t raw_text_end(std::string_view s, std::size_t pos, std::string_view name) {
  while (true) {
    const std::size_t lt = s.find("</", pos);
    if (lt == std::string_view::npos) return s.size();
    const std::size_t after = lt + 2 + name.size();
    if (after <= s.size() && detail::iequals(s.substr(lt + 2, name.size()), name) &&
        (after == s.size() || is_html_space(s[after]) || s[after] == '/' || s[after] == '>')) {
      return lt;
    }
    pos = lt + 2;
  }
}

// The tree levels an element stands for: a table brings the tbody, tr
// and td the parser puts in it, which the model does not count on their own.
std::size_t levels_of(std::string_view name) { return name == "table" ? 4 : 1; }

// The stack of open elements, as far as the depth estimate models it.
class OpenElements {
 public:
  /// The tree depth the open elements make.
  [[nodiscard]] std::size_t depth() const noexcept { return depth_; }
  [[nodiscard]] bool is_open(const std::string& name) const {
    const auto it = count_.find(name);
    return it != count_.end() && it->second > 0;
  }
  [[nodiscard]] bool in_foreign() const { return is_open("svg") || is_open("math"); }
  [[nodiscard]] bool top_is_heading() const { return !stack_.empty() && is_heading(stack_.back()); }
  void push(const std::string& name) {
    stack_.push_back(name);
    ++count_[name];
    depth_ += levels_of(name);
  }
  void pop() {
    --count_[stack_.back()];
    depth_ -= levels_of(stack_.back());
    stack_.pop_back();
  }
  // An end tag (or an element closing its namesake): pops up to and with
  // the innermost open element of that name.
  void close(const std::string& name) {
    if (!is_open(name)) return;
    while (true) {
      const bool found = stack_.back() == name;
      pop();
      if (found) return;
    }
  }

 private:
  std::vector<std::string> stack_;
  std::unordered_map<std::string, std::size_t> count_;
  std::size_t depth_ = 0;
};

unsigned line_at(std::string_view s, std::size_t offset) {
  unsigned line = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    // CR LF, lone CR and lone LF are each one line break to HTML.
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n'))) ++line;
  }
  return line;
}

struct Blank {
  std::size_t begin;
  std::size_t end;
};

}  // namespace

GuardedHtml guard_html(std::string_view html, const ExtractLimits& limits) {
  GuardedHtml out;
  std::vector<Blank> blanks;
  OpenElements open;
  std::string name;
  std::size_t limit = html.size();  // where the page is cut
  const std::size_t n = html.size();
  std::size_t pos = 0;
  while (pos < n) {
    const std::size_t lt = html.find('<', pos);
    if (lt == std::string_view::npos || lt + 1 >= n) break;
    pos = lt + 1;
    const char c = html[pos];
    if (c == '!') {
      const bool comment = html.compare(pos, 3, "!--") == 0;
      const std::size_t end = comment ? html.find("-->", pos + 1) : html.find('>', pos);
      pos = end == std::string_view::npos ? n : end + (comment ? 3 : 1);
      continue;
    }
    if (c == '?') {
      const std::size_t end = html.find('>', pos);
      pos = end == std::string_view::npos ? n : end + 1;
      continue;
    }
    const bool end_tag = c == '/';
    if (end_tag && (pos + 1 >= n || !is_alpha(html[pos + 1]))) {
      // `</>` is dropped; `</` and anything else is a bogus comment.
      const std::size_t end = html.find('>', pos);
      pos = end == std::string_view::npos ? n : end + 1;
      continue;
    }
    if (!end_tag && !is_alpha(c)) continue;  // a '<' in text
    const Tag tag = scan_attributes(html, read_name(html, end_tag ? pos + 1 : pos, name));
    if (tag.end == std::string_view::npos) break;  // the page ends inside the tag: gumbo drops it
    pos = tag.end;
    if (tag.attributes > limits.max_attributes_per_element) {
      blanks.push_back({lt, tag.end});
      continue;
    }
    if (end_tag) {
      open.close(name);
      continue;
    }
    if (name == "plaintext") break;  // the rest of the page is text
    if (one_of(kRawText, name)) {
      pos = raw_text_end(html, pos, name);
      continue;
    }
    if (one_of(kFlat, name) || (tag.self_closing && open.in_foreign())) continue;
    if (one_of(kNoSelfNesting, name)) open.close(name);
    if (is_heading(name) && open.top_is_heading()) open.pop();
    if (open.depth() + levels_of(name) > limits.max_depth) {
      limit = lt;
      out.cut = true;
      out.cut_offset = lt;
      out.cut_line = line_at(html, lt);
      break;
    }
    open.push(name);
  }

  const std::string_view kept = html.substr(0, limit);
  out.nul_bytes = static_cast<std::size_t>(std::count(kept.begin(), kept.end(), '\0'));
  out.blanked_tags = blanks.size();
  if (out.nul_bytes == 0 && blanks.empty()) {
    out.view_ = kept;
    return out;
  }
  out.copy_.reserve(kept.size() + 2 * out.nul_bytes);
  auto blank = blanks.begin();
  for (std::size_t i = 0; i < kept.size(); ++i) {
    while (blank != blanks.end() && blank->end <= i) ++blank;
    const char ch = kept[i];
    if (blank != blanks.end() && blank->begin <= i) {
      out.copy_ += ch == '\n' || ch == '\r' ? ch : ' ';
    } else if (ch == '\0') {
      out.copy_ += "\xEF\xBF\xBD";
    } else {
      out.copy_ += ch;
    }
  }
  out.copied_ = true;
  return out;
}

}  // namespace conc::crawl
