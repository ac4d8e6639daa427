// parse_merge_line on its own: the split at the last tab and the strict count
// (the engine tests cover the diagnostics and the sums).
#include "wordcount/merge_line.h"

#include <catch2/catch.hpp>

using conc::wordcount::parse_merge_line;

TEST_CASE("a merge line splits at its last tab, so a word may hold one") {
  const auto line = parse_merge_line("a\tb\t3\r");
  CHECK(line.error.empty());
  CHECK(line.word == "a\tb");
  CHECK(line.count == 3);
  CHECK(parse_merge_line("x\t007").count == 7);
}

TEST_CASE("a merge count is digits only, from 1 to 2^64-1") {
  CHECK(parse_merge_line("x\t18446744073709551615").count == UINT64_MAX);
  for (const char* bad : {"x\t+1", "x\t 1", "x\t1 ", "x\t0x1", "x\t", "x\t1\r\r", "x\t18446744073709551616"}) {
    INFO(bad);
    CHECK(parse_merge_line(bad).error.starts_with("malformed line: count '"));
  }
  CHECK(parse_merge_line("\t1").error == "malformed line: empty word");
  CHECK(parse_merge_line("x 1").error == "malformed line: expected word<TAB>count");
}
