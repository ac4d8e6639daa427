// bench/statistics.h: summaries, outliers and the hygiene warnings.
#include "bench/statistics.h"

#include "bench/bench.h"

#include <catch2/catch.hpp>

using conc::bench::hygiene_warnings;
using conc::bench::median;
using conc::bench::summarize;

TEST_CASE("summarize gives median, mean, sample deviation, min and max") {
  const auto s = summarize({3.0, 1.0, 2.0, 4.0});
  CHECK(s.count == 4);
  CHECK(s.median == Approx(2.5));
  CHECK(s.mean == Approx(2.5));
  CHECK(s.stddev == Approx(1.2909944));  // sqrt(5/3): n - 1 in the denominator
  CHECK(s.min == 1.0);
  CHECK(s.max == 4.0);
  CHECK(s.outliers == 0);
  CHECK(median({5.0, 1.0, 3.0}) == 3.0);
  CHECK(median({}) == 0.0);
}

TEST_CASE("summarize of one run or none has no spread") {
  const auto one = summarize({1.5});
  CHECK(one.median == 1.5);
  CHECK(one.stddev == 0.0);
  const auto none = summarize({});
  CHECK(none.count == 0);
  CHECK(none.mean == 0.0);
  CHECK(hygiene_warnings(one, 5).empty());
  CHECK(hygiene_warnings(none, 5).empty());
}

TEST_CASE("an outlier is found by its modified z-score, not hidden by itself") {
  // With mean and standard deviation the 10 s run would inflate the
  // deviation enough to pass; against the median's MAD it stands out.
  const auto s = summarize({1.00, 1.01, 0.99, 1.02, 0.98, 10.0});
  CHECK(s.outliers == 1);
  const auto w = hygiene_warnings(s, 6);
  REQUIRE(w.size() == 2);  // the spread is far above 10% too
  CHECK(w[0].rfind("runs vary by ", 0) == 0);
  CHECK(w[1].rfind("1 outlier run ", 0) == 0);
  CHECK(w[1].find("try --repeat 12") != std::string::npos);
}

TEST_CASE("steady runs get no warning, and a spread above 10 percent does") {
  CHECK(hygiene_warnings(summarize({1.0, 1.02, 0.98, 1.01, 0.99}), 5).empty());
  const auto w = hygiene_warnings(summarize({1.0, 1.3, 0.8, 1.2}), 4);
  REQUIRE(w.size() == 1);
  CHECK(w[0] ==
        "runs vary by 21% of their mean (more than 10%); try --repeat 10, a --warmup, and a machine with "
        "nothing else running");
  CHECK(summarize({2.0, 2.0, 2.0, 9.0}).outliers == 0);  // MAD 0: no score, no claim
}

TEST_CASE("rounds run forwards then backwards, and seq runs at one thread only") {
  using conc::bench::run_order;
  CHECK(run_order(3, 0) == std::vector<std::size_t>{0, 1, 2});
  CHECK(run_order(3, 1) == std::vector<std::size_t>{2, 1, 0});
  CHECK(run_order(3, 2) == std::vector<std::size_t>{0, 1, 2});
  conc::bench::Options o;
  o.strategies = {"steal", "seq", "pool"};
  o.threads = {1, 4};
  std::vector<std::string> labels;
  for (const auto& c : conc::bench::plan(o)) labels.push_back(c.label());
  CHECK(labels == std::vector<std::string>{"steal -j 1", "steal -j 4", "seq -j 1", "pool -j 1", "pool -j 4"});
}
