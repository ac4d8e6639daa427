// parse_accept: the statuses --accept counts as fine.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "crawl/crawl.h"

using conc::crawl::AcceptRanges;
using conc::crawl::parse_accept;

TEST_CASE("crawl accept ranges: single statuses and inclusive ranges, in the order given") {
  CHECK(parse_accept("200..299") == AcceptRanges{{200, 299}});
  CHECK(parse_accept("200..299,403,999..999") == AcceptRanges{{200, 299}, {403, 403}, {999, 999}});
  CHECK(parse_accept("100") == AcceptRanges{{100, 100}});
}

TEST_CASE("crawl accept ranges: anything else is refused with its reason") {
  const std::string expected = "expected statuses from 100 to 999 like 200..299,403, got '";
  for (const std::string bad :
       {"", "abc", "99", "1000", "200..", "..299", "200,,403", "200 ", "-200", "2OO", "200...299", "+200"}) {
    INFO(bad);
    CHECK_THROWS_WITH(parse_accept(bad), expected + bad + "'");
  }
  CHECK_THROWS_WITH(parse_accept("300..200"), "the range '300..200' is empty");
}
