// check_shard_parts on tallies built by hand: the checks a merge of parts
// makes, in the order that blames an altered part first.
#include "wordcount/shard.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using conc::wordcount::check_shard_parts;
using conc::wordcount::MergeTally;
using conc::wordcount::ShardHeader;

namespace {

// Shard k of n whose header promises `words` in `distinct` count lines,
// and whose tally holds just that.
MergeTally sound_part(std::size_t k, std::size_t n, std::uint64_t words, std::uint64_t distinct) {
  MergeTally t;
  t.name = "part-" + std::to_string(k);
  ShardHeader h;
  h.shard = {k, n};
  h.fingerprint = "f";
  h.totals.words = words;
  h.totals.distinct = distinct;
  t.headers.push_back(h);
  t.count_lines = distinct;
  t.count_sum = words;
  return t;
}

}  // namespace

TEST_CASE("check_shard_parts: sums blame an altered part before another part's bad line") {
  std::vector<MergeTally> parts = {sound_part(0, 2, 10, 3), sound_part(1, 2, 7, 2)};
  REQUIRE(check_shard_parts(parts)->totals.words == 17);
  // A count past 2^64-1 once added, met in part-1 because part-0 was altered:
  // part-0's sums refuse it first.
  parts[0].count_sum = 12;
  parts[1].overflow = {3, "count of 'x' passes 18446744073709551615 (the largest count) with the other parts' counts"};
  CHECK_THROWS_WITH(check_shard_parts(parts),
                    "part-0: truncated or altered: it holds 3 counts summing to 12, its header says 3 summing to 10");
  // With sums that agree, the overflow itself refuses the merge; a malformed line before it.
  parts[0].count_sum = 10;
  CHECK_THROWS_WITH(check_shard_parts(parts), "part-1:3: " + parts[1].overflow.reason);
  parts[1].malformed = {2, "malformed line: empty word: a part was altered"};
  CHECK_THROWS_WITH(check_shard_parts(parts), "part-1:2: malformed line: empty word: a part was altered");
}
