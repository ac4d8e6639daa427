#include "crawl/srcset.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using conc::crawl::srcset_urls;

namespace {
using V = std::vector<std::string>;
V urls(std::string_view value) {
  V out;
  for (std::string_view u : srcset_urls(value)) out.emplace_back(u);
  return out;
}
}  // namespace

TEST_CASE("srcset: plain candidates and descriptors") {
  CHECK(urls("a.jpg") == V{"a.jpg"});
  CHECK(urls("a.jpg 1x, b.jpg 2x") == V{"a.jpg", "b.jpg"});
  CHECK(urls("small.jpg 300w, large.jpg 1200w") == V{"small.jpg", "large.jpg"});
  CHECK(urls("a.jpg 300w 200h") == V{"a.jpg"});
  CHECK(urls("a.jpg 1.5x,b.jpg .5x,c.jpg 1e1x, d.jpg 2E-1x") == V{"a.jpg", "b.jpg", "c.jpg", "d.jpg"});
}

TEST_CASE("srcset: commas inside URLs") {
  // A URL runs to whitespace: its commas are its own.
  CHECK(urls("image,1.jpg 1x, image,2.jpg 2x") == V{"image,1.jpg", "image,2.jpg"});
  CHECK(urls("/img?w=1,2 1x") == V{"/img?w=1,2"});
  CHECK(urls("data:image/png;base64,iVBORw0KGgo= 1x, b.png 2x") == V{"data:image/png;base64,iVBORw0KGgo=", "b.png"});
  CHECK(urls("data:image/svg+xml,%3Csvg%3E,%3C/svg%3E") == V{"data:image/svg+xml,%3Csvg%3E,%3C/svg%3E"});
}

TEST_CASE("srcset: trailing commas end a URL without descriptors") {
  CHECK(urls("a.jpg, b.jpg 2x") == V{"a.jpg", "b.jpg"});
  CHECK(urls("a.jpg,b.jpg") == V{"a.jpg,b.jpg"});  // no space: one URL with a comma inside
  CHECK(urls("a.jpg,,, b.jpg") == V{"a.jpg", "b.jpg"});
  CHECK(urls("a.jpg 1x,") == V{"a.jpg"});
}

TEST_CASE("srcset: whitespace and empty candidates") {
  CHECK(urls("").empty());
  CHECK(urls("   \t\n ").empty());
  CHECK(urls(",,, ,").empty());
  CHECK(urls("\n  a.jpg\t1x ,\r\n  b.jpg \f 2x  ") == V{"a.jpg", "b.jpg"});
  CHECK(urls(" , a.jpg , , b.jpg") == V{"a.jpg", "b.jpg"});
}

TEST_CASE("srcset: parentheses in descriptors hide commas") {
  // "(x, y)" is one descriptor (its comma hidden), and not a valid one: a.jpg is dropped.
  CHECK(urls("a.jpg (x, y) 1x, b.jpg") == V{"b.jpg"});
  CHECK(urls("a.jpg 1x (unclosed, b.jpg 2x") == V{});  // the rest is one descriptor
}

TEST_CASE("srcset: candidates with invalid descriptors are dropped, as browsers do") {
  CHECK(urls("a.jpg 2q, b.jpg 1x") == V{"b.jpg"});
  CHECK(urls("a.jpg 1x 2x, b.jpg") == V{"b.jpg"});    // two densities
  CHECK(urls("a.jpg 100w 1x, b.jpg") == V{"b.jpg"});  // width and density
  CHECK(urls("a.jpg 0w, b.jpg 00w, c.jpg 10w") == V{"c.jpg"});
  CHECK(urls("a.jpg -1x, b.jpg -0x") == V{"b.jpg"});         // negative density; -0 is not below zero
  CHECK(urls("a.jpg 200h, b.jpg 100w 200h") == V{"b.jpg"});  // h needs w
  CHECK(urls("a.jpg 1.x, b.jpg +1x, c.jpg 1e, d.jpg x") == V{});
  CHECK(urls("a.jpg 1X") == V{});  // descriptors are lower-case letters
}
