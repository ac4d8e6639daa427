// common/shard.h: --shard's value, the dealing by cost, byte shares and
// the index lists of a part's header.
#include "common/shard.h"

#include <catch2/catch.hpp>
#include <numeric>
#include <random>
#include <set>

using conc::common::byte_share;
using conc::common::deal_by_cost;
using conc::common::decode_index_list;
using conc::common::encode_index_list;
using conc::common::Fingerprint;
using conc::common::parse_shard;
using conc::common::Shard;

TEST_CASE("parse_shard takes K/N with 0 <= K < N and nothing else") {
  std::string error;
  CHECK(parse_shard("0/1", error) == Shard{0, 1});
  CHECK(parse_shard("3/4", error) == Shard{3, 4});
  CHECK(parse_shard("9999/10000", error) == Shard{9999, 10000});
  const std::vector<std::pair<std::string, std::string>> bad = {{"4/4", "K must be below N"},
                                                                {"1/0", "N must be from 1 to 10000"},
                                                                {"0/10001", "N must be from 1"},
                                                                {"x", "expected K/N"},
                                                                {"-1/2", "expected K/N"},
                                                                {"1/-2", "expected K/N"},
                                                                {"", "expected K/N"},
                                                                {"1/", "expected K/N"},
                                                                {"/2", "expected K/N"},
                                                                {" 1/2", "expected K/N"},
                                                                {"1/2/3", "expected K/N"},
                                                                {"+1/2", "expected K/N"},
                                                                {"99999999999999999999999/2", "expected K/N"}};
  for (const auto& [text, reason] : bad) {
    INFO(text);
    error.clear();
    CHECK_FALSE(parse_shard(text, error));
    CHECK_THAT(error, Catch::Contains(reason));
  }
  // A part's header is read from a file: its text cannot break the message in two.
  error.clear();
  CHECK_FALSE(parse_shard("1\n/2\x01", error));
  CHECK(error == "expected K/N, two whole numbers with 0 <= K < N (shard K of N, numbered from 0), got '1\\n/2\\x01'");
}

TEST_CASE("deal_by_cost gives the biggest first to the least loaded, ties to the lower index and shard") {
  // 10 and 9 open the two shards; 5 joins 9 (least loaded), 4 joins 10, ...
  const std::vector<std::uint64_t> costs = {5, 10, 4, 9, 1, 1};
  CHECK(deal_by_cost(costs, 2, 0) == std::vector<std::uint32_t>{1, 0, 0, 1, 0, 1});
  // Equal costs alternate in walk order.
  const std::vector<std::uint64_t> equal(5, 7);
  CHECK(deal_by_cost(equal, 3, 0) == std::vector<std::uint32_t>{0, 1, 2, 0, 1});
  // All empty: the per-item cost still spreads them.
  const std::vector<std::uint64_t> empty(4, 0);
  CHECK(deal_by_cost(empty, 2, 1) == std::vector<std::uint32_t>{0, 1, 0, 1});
  // More shards than items; and costs near 2^64 saturate rather than wrap.
  CHECK(deal_by_cost(std::vector<std::uint64_t>{3}, 5, 0) == std::vector<std::uint32_t>{0});
  const std::vector<std::uint64_t> huge = {UINT64_MAX, UINT64_MAX, 1};
  CHECK(deal_by_cost(huge, 2, 1) == std::vector<std::uint32_t>{0, 1, 0});
}

TEST_CASE("deal_by_cost balances random sizes within the biggest item") {
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> costs(2000);
  for (auto& c : costs) c = rng() % 1'000'000;
  for (const std::size_t n : {2u, 3u, 7u, 16u}) {
    const auto shard_of = deal_by_cost(costs, n, 0);
    std::vector<std::uint64_t> load(n, 0);
    for (std::size_t i = 0; i < costs.size(); ++i) load[shard_of[i]] += costs[i];
    const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
    CHECK(*hi - *lo <= 1'000'000);
    CHECK(deal_by_cost(costs, n, 0) == shard_of);  // the same on every node
  }
}

TEST_CASE("byte_share cuts total bytes into N adjoining shares that cover them") {
  for (const std::uint64_t total :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{10}, std::uint64_t{999'983}, UINT64_MAX, UINT64_MAX - 1}) {
    for (const std::size_t n : {1u, 2u, 3u, 7u, 10000u}) {
      INFO(total << " / " << n);
      std::uint64_t at = 0;
      for (std::size_t k = 0; k < n; k += (n > 64 ? n / 7 : 1)) {
        const auto [begin, end] = byte_share(total, Shard{k, n});
        if (n <= 64) CHECK(begin == at);
        CHECK(begin <= end);
        CHECK(end - begin - total / n <= 1);
        at = end;
      }
      if (n <= 64) CHECK(at == total);
      CHECK(byte_share(total, Shard{n - 1, n}).second == total);
    }
  }
}

TEST_CASE("index lists round-trip and refuse what is not ascending or out of range") {
  const std::vector<std::size_t> none;
  CHECK(encode_index_list(none).empty());
  CHECK(decode_index_list("", 5) == none);
  const std::vector<std::size_t> some = {0, 3, 4, 8};
  CHECK(encode_index_list(some) == "0,3,1,4");
  CHECK(decode_index_list("0,3,1,4", 9) == some);
  CHECK_FALSE(decode_index_list("0,3,1,4", 8));  // 8 is not below 8
  CHECK_FALSE(decode_index_list("1,0", 9));      // not strictly ascending
  CHECK_FALSE(decode_index_list("1,", 9));
  CHECK_FALSE(decode_index_list(",1", 9));
  CHECK_FALSE(decode_index_list("1,x", 9));
  CHECK_FALSE(decode_index_list("-1", 9));
  CHECK_FALSE(decode_index_list("18446744073709551615,1", SIZE_MAX));  // would wrap
}

TEST_CASE("fingerprints tell field lists apart however they are cut") {
  const auto fp = [](std::initializer_list<std::string_view> fields) {
    Fingerprint f;
    for (const auto field : fields) f.add(field);
    return f.hex();
  };
  // A number is added as its decimal text: the same field.
  CHECK(fp({"ab", "c"}) != fp({"a", "bc"}));
  CHECK(fp({"ab", "c"}) == fp({"ab", "c"}));
  CHECK(fp({}).size() == 32);
  CHECK(Fingerprint().add(std::uint64_t{12}).hex() == fp({"12"}));
}
