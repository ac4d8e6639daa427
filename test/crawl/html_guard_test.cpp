#include "crawl/html_guard.h"

#include <catch2/catch.hpp>
#include <string>

using conc::crawl::ExtractLimits;
using conc::crawl::guard_html;
using conc::crawl::GuardedHtml;

namespace {

ExtractLimits depth(std::size_t d) {
  ExtractLimits l;
  l.max_depth = d;
  return l;
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("guard: a clean page is passed through without a copy") {
  const std::string html = "<html><body><div><a href=x>y</a></div></body></html>";
  const GuardedHtml g = guard_html(html, ExtractLimits{});
  CHECK(g.text().data() == html.data());
  CHECK(g.text().size() == html.size());
  CHECK_FALSE(g.cut);
  CHECK(g.nul_bytes == 0);
  CHECK(g.blanked_tags == 0);
}

TEST_CASE("guard: NUL bytes become U+FFFD") {
  const std::string html("a\0b\0", 4);
  const GuardedHtml g = guard_html(html, ExtractLimits{});
  CHECK(g.nul_bytes == 2);
  CHECK(g.text() ==
        "a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD");
}

TEST_CASE("guard: the page is cut before the tag that nests too deep") {
  const std::string html = "<div>\n<div>\n<div>\n<div>";
  const GuardedHtml g = guard_html(html, depth(3));
  CHECK(g.cut);
  CHECK(g.cut_offset == 18);
  CHECK(g.cut_line == 4);
  CHECK(g.text() == "<div>\n<div>\n<div>\n");
  CHECK_FALSE(guard_html(html, depth(4)).cut);
}

TEST_CASE("guard: what does not nest is not counted") {
  const ExtractLimits l = depth(3);
  // Closed elements, void elements, elements closed by their next sibling.
  CHECK_FALSE(guard_html(repeat("<div><span></span></div>", 100), l).cut);
  CHECK_FALSE(guard_html(repeat("<p>para", 1000), l).cut);
  CHECK_FALSE(guard_html(repeat("<li>item", 1000), l).cut);
  CHECK_FALSE(guard_html(repeat("<br><img src=x><input>", 1000), l).cut);
  CHECK_FALSE(guard_html("<table>" + repeat("<tr><td>x<td>y", 1000) + "</table>", depth(4)).cut);
  CHECK_FALSE(guard_html("<select>" + repeat("<option>x", 1000) + "</select>", l).cut);
  // An end tag closes what it encloses: unclosed spans inside closed divs.
  CHECK_FALSE(guard_html(repeat("<div><span><b>x</div>", 1000), l).cut);
  // A new <a> closes the open one (a sloppy page of unclosed links is flat).
  CHECK_FALSE(guard_html(repeat("<a href=x>link ", 1000), l).cut);
  CHECK_FALSE(guard_html(repeat("<h2>a<h3>b", 1000), l).cut);
  // Self-closing tags close only in SVG and MathML.
  CHECK_FALSE(guard_html("<svg>" + repeat("<path/>", 1000) + "</svg>", l).cut);
  CHECK(guard_html(repeat("<div/>", 4), l).cut);
  // Stray end tags close nothing.
  CHECK(guard_html(repeat("<div></span>", 4), l).cut);
  // What is not markup: comments, raw text, attribute values, '<' in text.
  CHECK_FALSE(guard_html("<!--" + repeat("<div>", 100) + "-->", l).cut);
  CHECK_FALSE(guard_html("<script>" + repeat("<div>", 100) + "</script >", l).cut);
  CHECK_FALSE(guard_html("<style>" + repeat("<div>", 100) + "</STYLE>", l).cut);
  CHECK_FALSE(guard_html("<textarea>" + repeat("<div>", 100) + "</textarea>", l).cut);
  CHECK_FALSE(guard_html("<a title=\"" + repeat("<div>", 100) + "\">", l).cut);
  CHECK_FALSE(guard_html(repeat("a < b <3 <= <!x> <?php ?> </ x>", 100), l).cut);
  CHECK_FALSE(guard_html("<plaintext>" + repeat("<div>", 100), l).cut);
  // Unknown elements nest like any other.
  CHECK(guard_html(repeat("<x-widget>", 4), l).cut);
  CHECK(guard_html(repeat("<font>", 4), l).cut);
}

TEST_CASE("guard: a table counts as table, tbody, tr and td") {
  CHECK_FALSE(guard_html("<table><tr><td><table><tr><td>", depth(8)).cut);
  const GuardedHtml g = guard_html("<table><tr><td><table><tr><td><table>", depth(8));
  CHECK(g.cut);
  CHECK(g.text() == "<table><tr><td><table><tr><td>");
  // Tables side by side do not nest.
  CHECK_FALSE(guard_html(repeat("<table><tr><td>x</table>", 1000), depth(4)).cut);
}

TEST_CASE("guard: a tag with too many attributes is blanked, line breaks kept") {
  ExtractLimits l;
  l.max_attributes_per_element = 3;
  const std::string html = "<a href=x>\n<a href=y b='1\n2' c d=\">\" e>z</a>\r\n<img f g h>";
  const GuardedHtml g = guard_html(html, l);
  CHECK(g.blanked_tags == 1);
  CHECK(g.text() == "<a href=x>\n" + std::string(14, ' ') + "\n" + std::string(13, ' ') + "z</a>\r\n<img f g h>");
  CHECK(g.text().size() == html.size());
  // End tags too: gumbo checks their attributes as well.
  CHECK(guard_html("</div a b c d>", l).blanked_tags == 1);
  CHECK(guard_html("<a a=1 a=2 a=3 a=4>", l).blanked_tags == 1);  // duplicates count
}

TEST_CASE("guard: a huge tag name is not kept whole") {
  const std::string name(1 << 20, 'x');
  std::string html;
  for (int i = 0; i < 10; ++i) html += "<" + name + ">";
  const GuardedHtml g = guard_html(html, depth(512));
  CHECK_FALSE(g.cut);
}

TEST_CASE("guard: a page that ends inside a tag, a comment or raw text") {
  for (const char* html : {"<div", "<div a=\"", "<!-- <div>", "<script>x", "</", "<", "<div a=", "<div a='x' b"}) {
    INFO(html);
    const GuardedHtml g = guard_html(html, depth(1));
    CHECK_FALSE(g.cut);
    CHECK(g.text() == html);
  }
}
