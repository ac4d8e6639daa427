// parse_sitemap: urlsets and indexes, plain and gzipped, entities, CDATA,
// comments and prefixes; bounds on the XML, corrupt gzip and gzip bombs.
#include "crawl/sitemap.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using conc::crawl::parse_sitemap;
using conc::crawl::Sitemap;

namespace {

// `text` as one gzip member.
std::string gzip(const std::string& text) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("zlib");
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("zlib");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

const std::string kUrlset =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
    "  <url><loc>http://h/a</loc><lastmod>2024-01-01</lastmod></url>\n"
    "  <url><loc>\n    http://h/b?x=1&amp;y=2\n  </loc></url>\n"
    "</urlset>\n";

}  // namespace

TEST_CASE("sitemap: a urlset's locs, trimmed, entities decoded") {
  const Sitemap s = parse_sitemap(kUrlset, 1 << 20);
  CHECK(s.kind == Sitemap::Kind::kUrlset);
  CHECK(s.locs == std::vector<std::string>{"http://h/a", "http://h/b?x=1&y=2"});
  CHECK(s.error.empty());
}

TEST_CASE("sitemap: an index names more sitemaps") {
  const Sitemap s = parse_sitemap(
      "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>http://h/s1.xml</loc>"
      "</sitemap><sitemap><loc>http://h/s2.xml.gz</loc></sitemap></sitemapindex>",
      1 << 20);
  CHECK(s.kind == Sitemap::Kind::kIndex);
  CHECK(s.locs == std::vector<std::string>{"http://h/s1.xml", "http://h/s2.xml.gz"});
}

TEST_CASE("sitemap: gzip is inflated, whatever the name or Content-Type said") {
  const Sitemap s = parse_sitemap(gzip(kUrlset), 1 << 20);
  CHECK(s.kind == Sitemap::Kind::kUrlset);
  CHECK(s.locs.size() == 2);
  CHECK(s.error.empty());
}

TEST_CASE("sitemap: CDATA, character references, comments and namespace prefixes") {
  const Sitemap s = parse_sitemap(
      "<!-- <urlset><loc>http://h/commented</loc></urlset> -->\n"
      "<!DOCTYPE x>\n"
      "<sm:urlset xmlns:sm=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
      "<sm:url><sm:loc><![CDATA[http://h/c?a=1&b=<2>]]></sm:loc></sm:url>"
      "<url><loc>http://h/caf&#233;&#x21;<!-- note --></loc></url>"
      "<url><loc>http://h/&unknown;&amp</loc></url>"
      "<url><loc/></url><url><loc>   </loc></url>"
      "</sm:urlset>",
      1 << 20);
  CHECK(s.kind == Sitemap::Kind::kUrlset);
  CHECK(s.locs == std::vector<std::string>{"http://h/c?a=1&b=<2>", "http://h/caf\xC3\xA9!", "http://h/&unknown;&amp"});
}

TEST_CASE("sitemap: a page that is no sitemap is told apart") {
  CHECK(parse_sitemap("<!DOCTYPE html><html><body><a href=/x>x</a><loc>http://h/x</loc></body></html>", 1 << 20).kind ==
        Sitemap::Kind::kUnknown);
  CHECK(parse_sitemap("", 1 << 20).kind == Sitemap::Kind::kUnknown);
  CHECK(parse_sitemap("not xml at all", 1 << 20).kind == Sitemap::Kind::kUnknown);
  CHECK(parse_sitemap("<urlset><url><loc>http://h/a", 1 << 20).locs.empty());  // cut inside a loc
}

TEST_CASE("sitemap: XML past max_xml is cut with an error, keeping the whole locs before it") {
  std::string big = "<urlset>";
  for (int i = 0; i < 1000; ++i) big += "<url><loc>http://h/page" + std::to_string(i) + "</loc></url>";
  big += "</urlset>";
  const Sitemap plain = parse_sitemap(big, 500);
  CHECK(plain.error == "more than 500 bytes");
  REQUIRE(!plain.locs.empty());
  CHECK(plain.locs.size() < 20);
  CHECK(plain.locs.back().rfind("http://h/page", 0) == 0);
  for (std::size_t i = 0; i < plain.locs.size(); ++i) CHECK(plain.locs[i] == "http://h/page" + std::to_string(i));

  // A gzip bomb: 64 MiB of zeros inflate past the bound, and stop there.
  const Sitemap bomb = parse_sitemap(gzip("<urlset>" + std::string(std::size_t{64} << 20, ' ')), 1 << 20);
  CHECK(bomb.error == "more than 1048576 bytes once inflated");
  CHECK(bomb.kind == Sitemap::Kind::kUrlset);
}

TEST_CASE("sitemap: corrupt and cut gzip data are errors") {
  std::string corrupt = gzip(kUrlset);
  for (std::size_t i = 12; i < corrupt.size() - 8; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5A);
  CHECK(!parse_sitemap(corrupt, 1 << 20).error.empty());
  const std::string whole = gzip(kUrlset);
  CHECK(parse_sitemap(whole.substr(0, whole.size() / 2), 1 << 20).error == "gzip data cut short");
}
