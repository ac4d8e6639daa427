#include "crawl/links.h"

#include <catch2/catch.hpp>
#include <string>
#include <tuple>
#include <vector>

using conc::crawl::extract_links;
using conc::crawl::ExtractLimits;
using conc::crawl::Link;
using conc::crawl::PageLinks;

namespace {

struct Seen {
  std::string reference;
  unsigned line;
  std::string source;
  bool recurse;
  bool nofollow;
  friend bool operator==(const Seen&, const Seen&) = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{" << s.reference << ", " << s.line << ", " << s.source << (s.recurse ? ", recurse" : "")
            << (s.nofollow ? ", nofollow" : "") << "}";
}

std::vector<Seen> seen(const PageLinks& page) {
  std::vector<Seen> out;
  for (const Link& l : page.links) out.push_back({l.reference, l.line, std::string(l.source), l.recurse, l.nofollow});
  return out;
}

std::vector<std::string> refs(const PageLinks& page) {
  std::vector<std::string> out;
  for (const Link& l : page.links) out.push_back(l.reference);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("links: every kind of link, in document order, with its line") {
  const std::string html =
      "<!DOCTYPE html>\n"                                                                          // 1
      "<html><head>\n"                                                                             // 2
      "<base href=\" /base/ \"><base href=\"/ignored/\">\n"                                        // 3
      "<link rel=\"stylesheet\" href=\"style.css\">\n"                                             // 4
      "<meta http-equiv=\"Refresh\" content=\"5; URL='/next'\">\n"                                 // 5
      "<script src=\"app.js\"></script>\n"                                                         // 6
      "</head><body>\n"                                                                            // 7
      "<a href=\"page.html\">p</a> <a href='/abs?q=1&amp;r=2#frag' rel=\"NoFollow\">x</a>\n"       // 8
      "<a name=top>top</a><map><area href=\"area.html\" rel=nofollow></map>\n"                     // 9
      "<img src=\"i.png\"\n"                                                                       // 10
      "     srcset=\"i-1x.png 1x,\n"                                                               // 11
      "             i-2x.png 2x\">\n"                                                              // 12
      "<picture><source srcset=\"s.webp\" type=\"image/webp\"><source src=\"s.ogg\"></picture>\n"  // 13
      "<iframe src=\"frame.html\"></iframe>\n"                                                     // 14
      "<video src=\"v.mp4\" poster=\"v.jpg\"><track src=\"v.vtt\"></video>\n"                      // 15
      "<audio src=\"a.mp3\"></audio><object data=\"o.swf\"></object>\n"                            // 16
      "<a href=\"mailto:me@example.org\">mail</a><a>no href</a>\n"                                 // 17
      "<p id=\"section-2\">text</p><div id=''></div>\n"                                            // 18
      "<svg><a href=\"svg-link\"/><g id=\"in-svg\"/></svg>\n"                                      // 19
      "</body></html>\n";
  const PageLinks page = extract_links(html);
  const std::vector<Seen> expected{
      {"style.css", 4, "link[href]", false, false},    {"/next", 5, "meta[refresh]", true, false},
      {"app.js", 6, "script[src]", false, false},      {"page.html", 8, "a[href]", true, false},
      {"/abs?q=1&r=2#frag", 8, "a[href]", true, true}, {"area.html", 9, "area[href]", true, true},
      {"i.png", 10, "img[src]", false, false},         {"i-1x.png", 11, "img[srcset]", false, false},
      {"i-2x.png", 12, "img[srcset]", false, false},   {"s.webp", 13, "source[srcset]", false, false},
      {"s.ogg", 13, "source[src]", false, false},      {"frame.html", 14, "iframe[src]", true, false},
      {"v.mp4", 15, "video[src]", false, false},       {"v.jpg", 15, "video[poster]", false, false},
      {"v.vtt", 15, "track[src]", false, false},       {"a.mp3", 16, "audio[src]", false, false},
      {"o.swf", 16, "object[data]", false, false},     {"mailto:me@example.org", 17, "a[href]", true, false},
  };
  CHECK(seen(page) == expected);
  CHECK(page.has_base);
  CHECK(page.base_href == "/base/");
  CHECK_FALSE(page.meta_nofollow);
  CHECK(page.anchors == V{"in-svg", "section-2", "top"});
  CHECK(page.truncated.empty());
  CHECK(page.cuts == conc::crawl::ExtractCuts{});
  CHECK(page.valid_utf8);
  CHECK(page.nul_bytes == 0);
}

TEST_CASE("links: frames, and the line of a value on the tag's next line") {
  const PageLinks page = extract_links(
      "<frameset><frame src=f1.html><frame\n"
      "src=\"f2.html\"></frameset>");
  CHECK(seen(page) ==
        std::vector<Seen>{{"f1.html", 1, "frame[src]", true, false}, {"f2.html", 2, "frame[src]", true, false}});
}

TEST_CASE("links: lines of attributes without a value, and of values after a line break") {
  // gumbo 0.10.1 leaves the value position of `<a href>` uninitialised.
  const PageLinks page = extract_links("<a href>x</a>\n<a\nhref>y</a><img src=\n\r\n'z'><a href=\"\" name=n>");
  CHECK(seen(page) == std::vector<Seen>{{"", 1, "a[href]", true, false},
                                        {"", 3, "a[href]", true, false},
                                        {"z", 5, "img[src]", false, false},
                                        {"", 5, "a[href]", true, false}});
}

TEST_CASE("links: CR, LF and CRLF all count as one line break") {
  const PageLinks page = extract_links("<a href=a>\r\n<a href=b>\r<a href=c>\n<img srcset=\"x 1x,\r\ny 2x,\rz 3x\">");
  CHECK(seen(page) == std::vector<Seen>{{"a", 1, "a[href]", true, false},
                                        {"b", 2, "a[href]", true, false},
                                        {"c", 3, "a[href]", true, false},
                                        {"x", 4, "img[srcset]", false, false},
                                        {"y", 5, "img[srcset]", false, false},
                                        {"z", 6, "img[srcset]", false, false}});
}

TEST_CASE("links: values trimmed, character references decoded, empty values kept") {
  const PageLinks page = extract_links(
      "<a href=\"  \n spaced.html \t\">x</a><a href=\"a&amp;b&#47;c&lt;\">y</a><a href=\"\">self</a><a href>bare</a>");
  CHECK(refs(page) == V{"spaced.html", "a&b/c<", "", ""});
}

TEST_CASE("links: meta refresh forms") {
  CHECK(refs(extract_links("<meta http-equiv=refresh content=\"0;url=/x\">")) == V{"/x"});
  CHECK(refs(extract_links("<meta http-equiv=\"refresh\" content=\"5; URL='/y'\">")) == V{"/y"});
  CHECK(refs(extract_links("<meta http-equiv=refresh content=\"5\">")).empty());
  CHECK(refs(extract_links("<meta http-equiv=refresh>")).empty());
  CHECK(refs(extract_links("<meta http-equiv=\"content-type\" content=\"0;url=/not\">")).empty());
  CHECK(refs(extract_links("<meta http-equiv=\" REFRESH \" content=\"1, http://example.org/\">")) ==
        V{"http://example.org/"});
}

TEST_CASE("links: meta robots nofollow") {
  CHECK(extract_links("<meta name=robots content=nofollow>").meta_nofollow);
  CHECK(extract_links("<meta name=\"ROBOTS\" content=\"noindex, NoFollow\">").meta_nofollow);
  CHECK(extract_links("<meta name=robots content=\"none\">").meta_nofollow);
  CHECK(extract_links("<meta name=\" robots \" content=\"noindex,nofollow\">").meta_nofollow);
  CHECK_FALSE(extract_links("<meta name=robots content=\"noindex, follow\">").meta_nofollow);
  CHECK_FALSE(extract_links("<meta name=robots content=\"nofollowing\">").meta_nofollow);
  CHECK_FALSE(extract_links("<meta name=googlebot content=nofollow>").meta_nofollow);
  CHECK_FALSE(extract_links("<meta name=description content=nofollow>").meta_nofollow);
}

TEST_CASE("links: rel=nofollow among other rel tokens") {
  const PageLinks page = extract_links(
      "<a href=1 rel=\"noopener nofollow\">a</a><a href=2 rel=\"external\">b</a>"
      "<a href=3 rel=\"nofollower\">c</a><link href=4 rel=\"nofollow\"><img src=5 rel=nofollow>");
  std::vector<bool> nofollow;
  for (const Link& l : page.links) nofollow.push_back(l.nofollow);
  CHECK(refs(page) == V{"1", "2", "3", "4", "5"});
  CHECK(nofollow == std::vector<bool>{true, false, false, true, false});
}

TEST_CASE("links: anchors sorted and unique, ids of any element, names of a only") {
  const PageLinks page = extract_links(
      "<h1 id=b>x</h1><a name=a></a><a name=b id=c></a><div name=not-an-anchor></div><span id=a></span>"
      "<a id=\"caf\xC3\xA9\"></a><math><mi id=m></mi></math>");
  CHECK(page.anchors == V{"a", "b", "c", "caf\xC3\xA9", "m"});
}

TEST_CASE("links: base href") {
  CHECK_FALSE(extract_links("<a href=x>").has_base);
  const PageLinks empty = extract_links("<base href=\"\"><base href=/later/>");
  CHECK(empty.has_base);
  CHECK(empty.base_href.empty());  // the first <base href> wins, even empty
  CHECK(extract_links("<base target=_blank><base href=/second/>").base_href == "/second/");
  CHECK(extract_links("<body><p><base href=http://b.example/>").base_href == "http://b.example/");
}

TEST_CASE("links: malformed HTML") {
  // Unclosed tags, unquoted attributes, stray end tags, attributes without values.
  const PageLinks page = extract_links(
      "<html><body><div><p><a href=one.html>one<a href=two.html class>two\n"
      "<ul><li><a href = three.html >three<li><img src=four.png alt=<>></ul>\n"
      "</span></div></div></table><a href='five.html\n"
      "<a href=\"six.html\"");
  // The <a> the next <li> re-opens is a copy made by the parser: not a second link.
  // 'five.html has no closing quote: the page ends inside the tag, which is dropped.
  CHECK(refs(page) == V{"one.html", "two.html", "three.html", "four.png"});
  // An unterminated tag at the end is dropped by HTML parsing, as browsers do.
  CHECK(refs(extract_links("<a href=x")).empty());
}

TEST_CASE("links: formatting elements the parser re-opens are not links again") {
  // HTML re-opens the <a> in the second paragraph (a clone with the same
  // attributes); the page has one link.
  const PageLinks page = extract_links("<p><a href=x id=i>one<p>two<p>three");
  CHECK(refs(page) == V{"x"});
  CHECK(page.anchors == V{"i"});
  // Misnested formatting: the adoption agency clones <a> too.
  CHECK(refs(extract_links("<a href=y><div>text</a>more</div>")) == V{"y"});
}

TEST_CASE("links: an empty document and documents without links") {
  for (const char* doc : {"", " ", "\n\n", "<!DOCTYPE html>", "<html></html>", "just text", "<!-- <a href=x> -->",
                          "<script>var s = '<a href=x>';</script>", "<textarea><a href=x></textarea>"}) {
    INFO(doc);
    const PageLinks page = extract_links(doc);
    CHECK(page.links.empty());
    CHECK(page.anchors.empty());
    CHECK(page.truncated.empty());
  }
}

TEST_CASE("links: links inside <template> and <noscript> are read") {
  CHECK(refs(extract_links("<template><a href=t.html>t</a></template><noscript><img src=n.png></noscript>")) ==
        V{"t.html", "n.png"});
}

TEST_CASE("links: NUL bytes and invalid UTF-8 are read, not fatal") {
  using namespace std::string_view_literals;
  const std::string html(
      "<a href=\"a\0b\">x</a>\0<p id=\"\xFF\xFE\">\xC3(</p><a href=\"\xE2\x82\">"
      "<img src=\"ok.png\">\xF0\x9F"sv);
  const PageLinks page = extract_links(html);
  CHECK(page.nul_bytes == 2);
  CHECK_FALSE(page.valid_utf8);
  // gumbo reads each invalid byte as U+FFFD.
  CHECK(refs(page) == V{"a\xEF\xBF\xBD"
                        "b",
                        "\xEF\xBF\xBD", "ok.png"});
  CHECK(page.anchors == V{"\xEF\xBF\xBD\xEF\xBF\xBD"});
  CHECK(page.truncated.empty());

  std::string zeros(100000, '\0');
  zeros += "<a href=after-zeros>";
  CHECK(refs(extract_links(zeros)) == V{"after-zeros"});
}

TEST_CASE("links: 10,000 nested elements: no recursion, the depth cut reported") {
  std::string html = "<a href=before>";
  for (int i = 0; i < 10000; ++i) html += "<div>";
  html += "<a href=deep>";
  for (int i = 0; i < 10000; ++i) html += "</div>";
  html += "<a href=after>";
  const PageLinks page = extract_links(html);
  CHECK(refs(page) == V{"before"});  // the page is cut at the 513th nested div
  CHECK(page.cuts.input_cut);
  CHECK(page.cuts.cut_line == 1);
  CHECK(page.truncated.find("page cut at line 1: elements nested deeper than 512") != std::string::npos);
}

TEST_CASE("links: a tree deeper than any stack, with the limits lifted") {
  // 100,000 nested tables are 400,000 tree levels: gumbo's own
  // gumbo_destroy_output would overflow the stack freeing them.
  ExtractLimits limits;
  limits.max_depth = std::size_t{1} << 30;
  std::string html = "<a href=top>";
  for (int i = 0; i < 100000; ++i) html += "<table><tr><td>";
  html += "<a href=bottom>";
  const PageLinks page = extract_links(html, limits);
  CHECK(refs(page) == V{"top", "bottom"});
  CHECK(page.truncated.empty());
}

TEST_CASE("links: the tree walk stops at max_depth on its own") {
  // The guard's estimate leaves out html and body, which the tree has: here
  // the walk's limit is met first.
  ExtractLimits limits;
  limits.max_depth = 6;
  const PageLinks page = extract_links(
      "<a href=shallow></a><div><div><div><div><a href=deep></a></div></div></div></div><a href=after>", limits);
  CHECK(refs(page) == V{"shallow", "after"});
  CHECK_FALSE(page.cuts.input_cut);
  CHECK(page.cuts.deep_subtrees == 1);
  CHECK(page.truncated == "content of 1 element(s) at depth 6 not read");
}

TEST_CASE("links: an element with too many attributes is ignored") {
  std::string fat = "<a href=fat.html";
  for (int i = 0; i < 1000; ++i) fat += " data-x" + std::to_string(i) + "=\"" + std::to_string(i) + "\"";
  fat += ">x</a>";
  const PageLinks page = extract_links("<a href=before>\n" + fat + "\n<img\nsrc=after.png>");
  CHECK(seen(page) ==
        std::vector<Seen>{{"before", 1, "a[href]", true, false}, {"after.png", 4, "img[src]", false, false}});
  CHECK(page.cuts.blanked_tags == 1);
  CHECK(page.truncated == "1 tag(s) with more than 256 attributes ignored");

  ExtractLimits limits;
  limits.max_attributes_per_element = 2;
  CHECK(refs(extract_links("<a href=1 b c><a href=2 b>", limits)) == V{"2"});
}

TEST_CASE("links: max_links and max_bytes") {
  std::string html;
  for (int i = 0; i < 10; ++i) html += "<a href=" + std::to_string(i) + " id=i" + std::to_string(i) + ">";
  ExtractLimits limits;
  limits.max_links = 3;
  const PageLinks page = extract_links(html, limits);
  CHECK(refs(page) == V{"0", "1", "2"});
  CHECK(page.anchors == V{"i0", "i1", "i2"});
  CHECK(page.cuts.links_dropped == 7);
  CHECK(page.cuts.anchors_dropped == 7);
  CHECK(page.truncated == "7 link(s) after the first 3 dropped; 7 anchor(s) after the first 3 dropped");

  limits = ExtractLimits{};
  limits.max_bytes = 10;
  const PageLinks refused = extract_links("<a href=x>y</a>", limits);
  CHECK(refused.links.empty());
  CHECK(refused.cuts.refused);
  CHECK(refused.truncated == "page of 15 bytes not parsed (limit 10)");
  CHECK(extract_links("<a href=x>", limits).links.size() == 1);  // 10 bytes: at the limit
}
