// blake3_tree_hex: the parallel tree gives the one-piece hasher's bytes for
// every length, grain, thread count, source and mode; it stops, and it
// reports a file that shrinks.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/digest.h"
#include "common/input.h"
#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"
#include "hash/blake3_tree.h"
#include "temp_dir.h"

using conc::WorkStealingPool;
using conc::common::Algo;
using conc::common::DigestSpec;
using conc::common::hex_digest;
using conc::common::Input;
using conc::common::InputError;
using conc::hash::blake3_tree_hex;
using conc::hash::kBlake3ChunkBytes;
using conc::hash::TreeSource;
using conc::test::TempDir;

namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// The tree over bytes in memory (the mapped source).
std::string tree(const DigestSpec& spec, const std::string& data, std::size_t grain, conc::Executor& pool) {
  auto hex = blake3_tree_hex(spec, {data.data(), nullptr}, data.size(), grain, pool, {}, nullptr);
  REQUIRE(hex);
  return *hex;
}

DigestSpec keyed() {
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(7 * i + 1);
  return DigestSpec::blake3_keyed(key);
}

}  // namespace

TEST_CASE("the tree equals the one-piece hasher around every subtree boundary, at -j 1, 2, 3 and 8") {
  // Lengths on both sides of every power-of-two number of chunks up to 2^9
  // (the left-subtree rule changes there) and of a partial last chunk.
  std::vector<std::size_t> lengths;
  for (std::size_t chunks = 1; chunks <= 512; chunks *= 2) {
    for (std::size_t len : {chunks * kBlake3ChunkBytes - 1, chunks * kBlake3ChunkBytes, chunks * kBlake3ChunkBytes + 1,
                            (chunks + 1) * kBlake3ChunkBytes, (chunks + 1) * kBlake3ChunkBytes + 63}) {
      lengths.push_back(len);
    }
  }
  const std::string data = random_bytes(lengths.back(), 1);
  for (std::size_t threads : {1, 2, 3, 8}) {
    WorkStealingPool pool(threads);
    for (std::size_t grain :
         {std::size_t{1}, kBlake3ChunkBytes, std::size_t{3000}, std::size_t{4096}, std::size_t{1} << 16}) {
      for (const std::size_t len : lengths) {
        INFO("threads " << threads << " grain " << grain << " length " << len);
        const std::string piece = data.substr(0, len);
        CHECK(tree(Algo::kBlake3, piece, grain, pool) == hex_digest(Algo::kBlake3, piece));
      }
    }
  }
}

TEST_CASE("the tree equals the one-piece hasher at random lengths up to 4 MiB, in every mode and output length") {
  std::mt19937 rng(42);
  const std::string data = random_bytes(4 << 20, 2);
  DigestSpec long_keyed = keyed();
  long_keyed.length = 131;  // three output blocks, the last one partial
  DigestSpec derived = DigestSpec::blake3_derive_key("conc 2026-12-02 tree test");
  derived.length = 7;
  const DigestSpec specs[] = {Algo::kBlake3, keyed(), long_keyed, derived};
  for (std::size_t threads : {1, 2, 3, 8}) {
    WorkStealingPool pool(threads);
    for (int k = 0; k < 6; ++k) {
      const std::size_t len = std::uniform_int_distribution<std::size_t>(0, data.size())(rng);
      const std::size_t grain = std::size_t{1024} << std::uniform_int_distribution<int>(0, 8)(rng);
      const std::string piece = data.substr(0, len);
      for (const auto& spec : specs) {
        INFO("threads " << threads << " length " << len << " grain " << grain << " output " << spec.output_bytes());
        CHECK(tree(spec, piece, grain, pool) == hex_digest(spec, piece));
      }
    }
  }
}

TEST_CASE("the tree reads a file by ranges, and on a shared-queue pool too") {
  TempDir dir;
  const std::string data = random_bytes(300001, 3);
  const auto path = dir.write("f", data);
  const Input file = Input::open(path, false);
  REQUIRE(file.is_sized());
  conc::ThreadPool shared(3);
  WorkStealingPool stealing(2);
  for (conc::Executor* pool : {static_cast<conc::Executor*>(&shared), static_cast<conc::Executor*>(&stealing)}) {
    for (std::size_t grain : {std::size_t{1024}, std::size_t{8192}, std::size_t{1} << 20}) {
      INFO("grain " << grain);
      const auto hex = blake3_tree_hex(Algo::kBlake3, {nullptr, &file}, data.size(), grain, *pool, {}, nullptr);
      REQUIRE(hex);
      CHECK(*hex == hex_digest(Algo::kBlake3, data));
    }
  }
}

TEST_CASE("the tree counts every byte once in the progress bar") {
  const std::string data = random_bytes(200000, 4);
  WorkStealingPool pool(3);
  conc::common::ProgressBar progress(conc::common::ProgressMode::kNever, "test", "files");
  REQUIRE(blake3_tree_hex(Algo::kBlake3, {data.data(), nullptr}, data.size(), 4096, pool, {}, &progress));
  CHECK(progress.snapshot().done_bytes == data.size());
}

TEST_CASE("a stop request ends the tree with no digest") {
  const std::string data = random_bytes(1 << 20, 5);
  WorkStealingPool pool(2);
  std::stop_source stop;
  stop.request_stop();
  CHECK_FALSE(
      blake3_tree_hex(Algo::kBlake3, {data.data(), nullptr}, data.size(), 4096, pool, stop.get_token(), nullptr));
  CHECK_FALSE(blake3_tree_hex(Algo::kBlake3, {data.data(), nullptr}, 100, 4096, pool, stop.get_token(), nullptr));
}

TEST_CASE("a file that shrinks under the tree is an error, read by ranges or mapped") {
  TempDir dir;
  const auto path = dir.write("shrinks", random_bytes(1 << 18, 6));
  WorkStealingPool pool(2);
  {
    const Input file = Input::open(path, false);
    REQUIRE(::truncate(path.c_str(), 100000) == 0);
    CHECK_THROWS_WITH(blake3_tree_hex(Algo::kBlake3, {nullptr, &file}, 1 << 18, 4096, pool, {}, nullptr),
                      Catch::Matchers::StartsWith("file shrank while being read (262144 bytes when opened, now "));
    // One task: the whole input read at once.
    CHECK_THROWS_WITH(blake3_tree_hex(Algo::kBlake3, {nullptr, &file}, 1 << 18, 1 << 20, pool, {}, nullptr),
                      "file shrank while being read (262144 bytes when opened, now 100000)");
  }
  REQUIRE(::truncate(path.c_str(), 1 << 18) == 0);
  {
    const Input file = Input::open(path, false);
    const conc::common::MappedInput map(file);
    REQUIRE(::truncate(path.c_str(), 0) == 0);
    CHECK_THROWS_AS(blake3_tree_hex(Algo::kBlake3, {map.data(), nullptr}, map.size(), 4096, pool, {}, nullptr),
                    InputError);
  }
}

TEST_CASE("a stop requested while the tree runs ends it with no digest, before the end") {
  const std::string data(64 << 20, 'x');  // 65,536 subtrees of 1 KiB: long enough to be caught running
  WorkStealingPool pool(2);
  conc::common::ProgressBar progress(conc::common::ProgressMode::kNever, "test", "files");
  std::stop_source stop;
  std::optional<std::string> hex = "unset";
  std::thread run([&] {
    hex = blake3_tree_hex(Algo::kBlake3, {data.data(), nullptr}, data.size(), 1024, pool, stop.get_token(), &progress);
  });
  while (progress.snapshot().done_bytes == 0) std::this_thread::yield();
  stop.request_stop();
  run.join();
  CHECK_FALSE(hex);
  CHECK(progress.snapshot().done_bytes < data.size());
}

TEST_CASE("a read error wins over the stop it causes: the first failing subtree's error is thrown") {
  TempDir dir;
  const auto path = dir.write("shrinks", random_bytes(1 << 20, 7));
  const Input file = Input::open(path, false);
  REQUIRE(::truncate(path.c_str(), 1 << 19) == 0);  // the right half's subtrees fail, the left half's do not
  for (std::size_t threads : {1, 2, 8}) {
    WorkStealingPool pool(threads);
    INFO("threads " << threads);
    CHECK_THROWS_WITH(blake3_tree_hex(Algo::kBlake3, {nullptr, &file}, 1 << 20, 1024, pool, {}, nullptr),
                      Catch::Matchers::StartsWith("file shrank while being read (1048576 bytes when opened, now "));
  }
}
