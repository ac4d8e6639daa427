#include "crawl/sitemap.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>

#include "common/utf8.h"

namespace conc::crawl {
namespace {

// gzip's magic bytes (RFC 1952).
bool is_gzip(std::string_view body) {
  return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f && static_cast<unsigned char>(body[1]) == 0x8b;
}

// Inflates a gzip member into `out`, at most `max` bytes. Returns the error,
// or "" when the member ended within the bound.
std::string gunzip(std::string_view in, std::size_t max, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return "cannot inflate: out of memory";
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));  // zlib's API is not const-correct
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT32_MAX));
  std::string error;
  char chunk[64 * 1024];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t got = sizeof chunk - z.avail_out;
    if (out.size() + got > max) {
      out.append(chunk, max - out.size());
      error = "more than " + std::to_string(max) + " bytes once inflated";
      break;
    }
    out.append(chunk, got);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      error = "gzip data cut short";
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      error = "corrupt gzip data";
      break;
    }
  }
  inflateEnd(&z);
  return error;
}

// XML's five named entities and character references; anything else is
// kept as written.
void append_decoded(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t amp = text.find('&', i);
    out.append(text.substr(i, amp - i));
    if (amp == std::string_view::npos) return;
    const std::size_t semi = text.find(';', amp);
    const std::string_view name =
        semi == std::string_view::npos ? std::string_view() : text.substr(amp + 1, semi - amp - 1);
    static constexpr std::pair<std::string_view, char> kNamed[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    bool done = false;
    for (const auto& [entity, c] : kNamed) {
      if (name == entity) {
        out += c;
        done = true;
      }
    }
    if (!done && name.size() >= 2 && name.size() <= 9 && name[0] == '#') {
      const bool hex = name[1] == 'x' || name[1] == 'X';
      const std::string_view digits = name.substr(hex ? 2 : 1);
      std::uint32_t cp = 0;
      bool ok = !digits.empty();
      for (const char d : digits) {
        const int v = d >= '0' && d <= '9'          ? d - '0'
                      : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                      : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                                    : -1;
        if (v < 0) ok = false;
        cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(std::max(v, 0));
      }
      if (ok) {
        const bool scalar = cp != 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        common::append_utf8(out, scalar ? cp : 0xFFFD);
        done = true;
      }
    }
    if (done) {
      i = semi + 1;
    } else {
      out += '&';
      i = amp + 1;
    }
  }
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string trimmed(std::string s) {
  const auto first = std::find_if_not(s.begin(), s.end(), is_blank);
  const auto last = std::find_if_not(s.rbegin(), s.rend(), is_blank).base();
  return first < last ? std::string(first, last) : std::string();
}

// A scanner over the XML: elements by local name, text with CDATA.
class Scanner {
 public:
  explicit Scanner(std::string_view xml) : xml_(xml) {}

  void run(Sitemap& out) {
    while (at_ < xml_.size()) {
      const std::size_t lt = xml_.find('<', at_);
      if (lt == std::string_view::npos) return;
      at_ = lt;
      if (skip_markup()) continue;
      ++at_;
      const bool closing = at_ < xml_.size() && xml_[at_] == '/';
      if (closing) ++at_;
      const std::size_t name_start = at_;
      while (at_ < xml_.size() && !is_blank(xml_[at_]) && xml_[at_] != '>' && xml_[at_] != '/') ++at_;
      std::string_view name = xml_.substr(name_start, at_ - name_start);
      if (const std::size_t colon = name.rfind(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
      const std::size_t gt = xml_.find('>', at_);
      if (gt == std::string_view::npos) return;
      const bool empty_element = xml_[gt - 1] == '/';
      at_ = gt + 1;
      if (closing) continue;
      if (!rooted_) {
        rooted_ = true;
        out.kind = name == "urlset"         ? Sitemap::Kind::kUrlset
                   : name == "sitemapindex" ? Sitemap::Kind::kIndex
                                            : Sitemap::Kind::kUnknown;
        if (out.kind == Sitemap::Kind::kUnknown) return;
      }
      if (name == "loc" && !empty_element) {
        std::string loc = trimmed(text());
        // A <loc> the input ends inside (cut at max_xml) is no URL.
        if (!loc.empty() && at_ < xml_.size()) out.locs.push_back(std::move(loc));
      }
    }
  }

 private:
  // Skips a comment, processing instruction, CDATA section or declaration
  // at `at_`; false when `at_` starts an element.
  bool skip_markup() {
    const std::string_view rest = xml_.substr(at_);
    const auto skip_past = [&](std::string_view end, std::size_t from) {
      const std::size_t e = xml_.find(end, at_ + from);
      at_ = e == std::string_view::npos ? xml_.size() : e + end.size();
      return true;
    };
    if (rest.substr(0, 4) == "<!--") return skip_past("-->", 4);
    if (rest.substr(0, 9) == "<![CDATA[") return skip_past("]]>", 9);
    if (rest.substr(0, 2) == "<?") return skip_past("?>", 2);
    if (rest.substr(0, 2) == "<!") return skip_past(">", 2);
    return false;
  }

  // An element's text up to the next tag: entities decoded, CDATA kept raw,
  // comments dropped.
  std::string text() {
    std::string out;
    while (at_ < xml_.size()) {
      const std::size_t lt = xml_.find('<', at_);
      append_decoded(out, xml_.substr(at_, lt - at_));
      if (lt == std::string_view::npos) {
        at_ = xml_.size();
        break;
      }
      at_ = lt;
      const std::string_view rest = xml_.substr(at_);
      if (rest.substr(0, 9) == "<![CDATA[") {
        const std::size_t end = xml_.find("]]>", at_ + 9);
        const std::size_t stop = end == std::string_view::npos ? xml_.size() : end;
        out.append(xml_.substr(at_ + 9, stop - at_ - 9));
        at_ = end == std::string_view::npos ? xml_.size() : end + 3;
      } else if (rest.substr(0, 4) == "<!--") {
        const std::size_t end = xml_.find("-->", at_ + 4);
        at_ = end == std::string_view::npos ? xml_.size() : end + 3;
      } else {
        break;
      }
    }
    return out;
  }

  std::string_view xml_;
  std::size_t at_ = 0;
  bool rooted_ = false;
};

}  // namespace

Sitemap parse_sitemap(std::string_view body, std::size_t max_xml) {
  Sitemap out;
  std::string inflated;
  std::string_view xml = body;
  if (is_gzip(body)) {
    out.error = gunzip(body, max_xml, inflated);
    xml = inflated;
  } else if (xml.size() > max_xml) {
    xml = xml.substr(0, max_xml);
    out.error = "more than " + std::to_string(max_xml) + " bytes";
  }
  Scanner(xml).run(out);
  return out;
}

}  // namespace conc::crawl
