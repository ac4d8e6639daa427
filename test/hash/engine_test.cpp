// hash_jobs: the same outcomes, in job order, for every strategy, thread
// count, I/O mode and block size; bad inputs; stopping; the SIGBUS guard.
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/input.h"
#include "conc/executor.h"
#include "hash/hash_jobs.h"
#include "hash/update_guarded.h"
#include "temp_dir.h"

using namespace conc::hash;
using conc::common::Algo;
using conc::common::Digest;
using conc::common::hex_digest;
using conc::common::Input;
using conc::common::InputError;
using conc::common::MappedInput;
using conc::test::TempDir;

namespace {

struct Collected {
  std::vector<std::size_t> order;
  std::vector<Outcome> outcomes;
};

Collected run(const std::vector<Job>& jobs, const EngineOptions& o, std::stop_token stop = {}) {
  Collected c;
  (void)hash_jobs(jobs, o, stop, nullptr, [&](std::size_t i, Outcome&& out) {
    c.order.push_back(i);
    c.outcomes.push_back(std::move(out));
  });
  return c;
}

// Deterministic bytes.
std::string bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST_CASE("the strategy table: DESIGN.md's names, one default, unique rows, steal the default") {
  std::vector<std::string> names;
  int defaults = 0;
  for (const auto& row : strategies()) {
    names.emplace_back(row.name);
    CHECK_FALSE(row.description.empty());
    defaults += row.is_default ? 1 : 0;
    CHECK(conc::common::strategy_by_name(strategies(), row.name) == row.id);
  }
  CHECK(names == std::vector<std::string>{"steal", "pool", "channels", "seq"});
  CHECK(defaults == 1);
  CHECK(conc::common::default_strategy(strategies()).id == EngineOptions{}.strategy);
}

TEST_CASE("threads = 0 is every core, for every strategy") {
  TempDir dir;
  std::vector<Job> jobs;
  for (int k = 0; k < 5; ++k)
    jobs.push_back({dir.write("f" + std::to_string(k), bytes(70000, 9)), Algo::kSha256, 70000, false});
  const auto expected = hex_digest(Algo::kSha256, bytes(70000, 9));
  for (const auto& row : strategies()) {
    CAPTURE(row.name);
    const auto c = run(jobs, {row.id, 0, IoMode::kRead, 4096});
    REQUIRE(c.outcomes.size() == jobs.size());
    for (const auto& out : c.outcomes) CHECK(out.hex == expected);
  }
}

TEST_CASE("every strategy x threads x io x block size gives the same outcomes in job order") {
  TempDir dir;
  std::vector<Job> jobs;
  std::vector<std::string> expected;
  const std::size_t sizes[] = {0, 1, 4095, 4096, 4097, 100000, 3, 65536 * 3 + 17, 0, 12345};
  for (std::size_t k = 0; k < std::size(sizes); ++k) {
    const auto content = bytes(sizes[k], static_cast<unsigned>(k));
    const auto path = dir.write("f" + std::to_string(k), content);
    // BLAKE3 for f3 and f7: f7 is split into subtrees by steal at the small block size.
    const Algo algos[] = {Algo::kSha256, Algo::kXxh3, Algo::kMd5, Algo::kBlake3};
    const Algo algo = algos[k % 4];
    jobs.push_back({path, algo, sizes[k], false});
    expected.push_back(hex_digest(algo, content));
  }
  jobs.push_back({(dir.path / "missing").string(), Algo::kSha256, 0, false});
  jobs.push_back({dir.path.string(), Algo::kSha256, 0, false});

  for (const auto& row : strategies()) {
    const Strategy strategy = row.id;
    for (std::size_t threads : {0, 1, 2, 3, 8}) {  // 0: every core
      for (auto io : {IoMode::kRead, IoMode::kMmap}) {
        for (std::size_t block : {std::size_t{4096}, std::size_t{1} << 18}) {
          INFO("strategy " << row.name << " threads " << threads << " io " << static_cast<int>(io) << " block "
                           << block);
          const auto c = run(jobs, {strategy, threads, io, block});
          REQUIRE(c.order.size() == jobs.size());
          for (std::size_t i = 0; i < c.order.size(); ++i) CHECK(c.order[i] == i);
          for (std::size_t i = 0; i < expected.size(); ++i) {
            CHECK(c.outcomes[i].ok());
            CHECK(c.outcomes[i].hex == expected[i]);
            CHECK(c.outcomes[i].bytes == sizes[i]);
          }
          CHECK(c.outcomes[expected.size()].error == "No such file or directory");
          CHECK(c.outcomes[expected.size()].missing);
          CHECK(c.outcomes[expected.size() + 1].error == "Is a directory");
          CHECK_FALSE(c.outcomes[expected.size() + 1].missing);
        }
      }
    }
  }
}

TEST_CASE("stress: many small files through every strategy, none lost or repeated") {
  TempDir dir;
  std::vector<Job> jobs;
  std::vector<std::string> expected;
  for (int k = 0; k < 400; ++k) {
    const auto content = bytes(static_cast<std::size_t>(k * 37 % 5000), static_cast<unsigned>(k));
    jobs.push_back({dir.write("s" + std::to_string(k), content), Algo::kXxh64, content.size(), false});
    expected.push_back(hex_digest(Algo::kXxh64, content));
  }
  for (const auto& row : strategies()) {
    const Strategy strategy = row.id;
    for (std::size_t threads : {2, 8}) {
      const auto c = run(jobs, {strategy, threads, IoMode::kRead, 1024});
      REQUIRE(c.order.size() == jobs.size());
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        CHECK(c.order[i] == i);
        CHECK(c.outcomes[i].hex == expected[i]);
      }
    }
  }
}

TEST_CASE("a stop request ends the run early and nothing more is delivered") {
  TempDir dir;
  std::vector<Job> jobs;
  for (int k = 0; k < 50; ++k)
    jobs.push_back({dir.write("f" + std::to_string(k), bytes(20000, 1)), Algo::kSha256, 20000, false});
  for (const auto& row : strategies()) {
    const Strategy strategy = row.id;
    std::stop_source stop;
    std::size_t delivered = 0;
    (void)hash_jobs(jobs, {strategy, 2, IoMode::kRead, 4096}, stop.get_token(), nullptr, [&](std::size_t, Outcome&&) {
      if (++delivered == 3) stop.request_stop();
    });
    CHECK(delivered == 3);
  }
}

TEST_CASE("a sink that throws stops the workers and the exception reaches the caller") {
  TempDir dir;
  std::vector<Job> jobs;
  for (int k = 0; k < 40; ++k)
    jobs.push_back({dir.write("f" + std::to_string(k), bytes(5000, 2)), Algo::kMd5, 5000, false});
  for (const auto& row : strategies()) {
    const Strategy strategy = row.id;
    std::size_t delivered = 0;
    auto throwing = [&](std::size_t, Outcome&&) {
      if (++delivered == 2) throw std::runtime_error("reader went away");
    };
    CHECK_THROWS_WITH(hash_jobs(jobs, {strategy, 2, IoMode::kRead, 1024}, {}, nullptr, throwing), "reader went away");
    CHECK(delivered == 2);
  }
}

TEST_CASE("progress counts every file and byte, a BLAKE3 file split into subtrees once") {
  TempDir dir;
  std::vector<Job> jobs;
  for (int k = 0; k < 9; ++k)
    jobs.push_back({dir.write("f" + std::to_string(k), bytes(3000, 3)), Algo::kSha1, 3000, false});
  jobs.push_back({dir.write("b3", bytes(3000, 3)), Algo::kBlake3, 3000, false});  // 3 subtrees under steal
  for (const auto& row : strategies()) {
    const Strategy strategy = row.id;
    conc::common::ProgressBar progress(conc::common::ProgressMode::kNever, "hash", "files");
    const auto stats =
        hash_jobs(jobs, {strategy, 2, IoMode::kRead, 1000}, {}, &progress, [](std::size_t, Outcome&&) {});
    const auto s = progress.snapshot();
    CHECK(s.done_items == 10);
    CHECK(s.total_items == 10);
    CHECK(s.done_bytes == 30000);
    CHECK(s.total_bytes == 30000);
    CHECK(stats.items == 10);
    CHECK(stats.bytes == 30000);
    CHECK(stats.executor == row.name);  // --stats names a run by its strategy
  }
}

TEST_CASE("a file that shrinks while being read is an error, with reads and with a mapping") {
  TempDir dir;
  const auto path = dir.write("shrinks", bytes(1 << 16, 4));
  {
    auto source = Input::open(path, false);
    std::vector<char> buffer(4096);
    CHECK(source.read(buffer) == 4096);
    REQUIRE(::truncate(path.c_str(), 8192) == 0);
    CHECK(source.read(buffer) == 4096);
    CHECK_THROWS_WITH(source.read(buffer), "file shrank while being read (65536 bytes when opened, 8192 read)");
  }
  REQUIRE(::truncate(path.c_str(), 1 << 16) == 0);
  {
    auto source = Input::open(path, false);
    const MappedInput map(source);
    REQUIRE(map.size() == 1 << 16);
    REQUIRE(::truncate(path.c_str(), 0) == 0);
    Digest digest(Algo::kSha256);
    CHECK_THROWS_WITH(update_guarded(digest, map.data(), map.size()), "file shrank while being read");
    // The guard is per call: the thread can go on hashing after it fired.
    CHECK_THROWS_AS(update_guarded(digest, map.data(), 16), InputError);
  }
}

TEST_CASE("standard input is hashed as it streams") {
  // hash_one reads fd 0 for a stdin job: give it a pipe.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const int saved = ::dup(0);
  REQUIRE(::dup2(fds[0], 0) == 0);
  REQUIRE(::write(fds[1], "abc", 3) == 3);
  ::close(fds[1]);
  std::vector<char> buffer(1024);
  const auto out = hash_one({"-", Algo::kSha256, 0, true}, IoMode::kMmap, buffer, {}, nullptr);
  ::dup2(saved, 0);
  ::close(saved);
  ::close(fds[0]);
  CHECK(out.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(out.bytes == 3);
}

TEST_CASE("standard input named twice is one stream: the first job hashes it, later ones the empty rest") {
  const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  TempDir dir;
  const auto file = dir.write("f", "abc");
  for (const auto& row : strategies()) {
    const Strategy strategy = row.id;
    for (auto io : {IoMode::kRead, IoMode::kMmap}) {
      CAPTURE(static_cast<int>(strategy), static_cast<int>(io));
      int fds[2];
      REQUIRE(::pipe(fds) == 0);
      const int saved = ::dup(0);
      REQUIRE(::dup2(fds[0], 0) == 0);
      // More than a pipe's buffer, written from another thread: the readers
      // of both "-" jobs would split it between them if both read.
      const std::string big = bytes(std::size_t{1} << 20, 7);
      std::thread writer([&] {
        for (std::size_t at = 0; at < big.size();) {
          const ssize_t n = ::write(fds[1], big.data() + at, big.size() - at);
          if (n <= 0) break;
          at += static_cast<std::size_t>(n);
        }
        ::close(fds[1]);
      });
      const std::vector<Job> jobs = {{"-", Algo::kSha256, 0, true},
                                     {file, Algo::kSha256, 3, false},
                                     {"-", Algo::kSha256, 0, true},
                                     {"-", Algo::kSha256, 0, true}};
      const auto c = run(jobs, {strategy, 4, io, 4096});
      writer.join();
      ::dup2(saved, 0);
      ::close(saved);
      ::close(fds[0]);
      REQUIRE(c.outcomes.size() == 4);
      CHECK(c.outcomes[0].hex == conc::common::hex_digest(Algo::kSha256, big));
      CHECK(c.outcomes[0].bytes == big.size());
      CHECK(c.outcomes[1].hex == kAbc);
      CHECK(c.outcomes[2].hex == kEmpty);
      CHECK(c.outcomes[3].hex == kEmpty);
      CHECK(c.outcomes[3].bytes == 0);
    }
  }
}

namespace {

std::uint64_t count_of(const conc::RunStats& stats, std::string_view name) {
  for (const auto& c : stats.counts) {
    if (c.name == name) return c.value;
  }
  FAIL("no count named " << name);
  return 0;
}

}  // namespace

TEST_CASE(
    "channels: threads are capped at the files and buffers at what the files need, whatever -j and the block size") {
  TempDir dir;
  const auto path = dir.write("six", "hello\n");
  const std::vector<Job> one{{path, Algo::kSha256, 6, false}};
  for (auto io : {IoMode::kRead, IoMode::kMmap}) {
    INFO("io " << static_cast<int>(io));
    Collected c;
    const auto stats = hash_jobs(one, {Strategy::kChannels, 4096, io, std::size_t{64} << 20}, {}, nullptr,
                                 [&](std::size_t i, Outcome&& out) {
                                   c.order.push_back(i);
                                   c.outcomes.push_back(std::move(out));
                                 });
    REQUIRE(c.outcomes.size() == 1);
    CHECK(c.outcomes[0].hex == hex_digest(Algo::kSha256, "hello\n"));
    CHECK(count_of(stats, "reader threads") == 1);
    CHECK(count_of(stats, "hasher threads") == 1);
    // At most two small buffers: the block read and the read that finds the
    // end, which may start before the first is hashed. Never the 64 MiB block.
    CHECK(count_of(stats, "read buffers allocated") <= 2);
    CHECK(count_of(stats, "read buffer bytes allocated") <= 2 * 4096);
  }

  // Many small files and one bigger than the block: at most the cap of
  // buffers, each at most one block, however the small ones' buffers are
  // recycled for the big one.
  std::vector<Job> jobs;
  for (int k = 0; k < 20; ++k) {
    jobs.push_back({dir.write("s" + std::to_string(k), bytes(100, static_cast<unsigned>(k))), Algo::kXxh3, 100, false});
  }
  const std::size_t block = 1 << 16;
  jobs.push_back({dir.write("big", bytes(5 * block + 3, 99)), Algo::kXxh3, 5 * block + 3, false});
  const auto stats =
      hash_jobs(jobs, {Strategy::kChannels, 2, IoMode::kRead, block}, {}, nullptr, [](std::size_t, Outcome&&) {});
  CHECK(count_of(stats, "reader threads") == 2);
  const std::uint64_t hashers = count_of(stats, "hasher threads");
  CHECK(hashers >= 1);
  CHECK(hashers <= std::min<std::uint64_t>(2, conc::available_cores()));
  const std::uint64_t cap = 2 + hashers * 5;  // readers + hashers x (queued blocks + 1)
  // Each of the cap buffers is made once small and replaced at most once by
  // a block-sized one.
  CHECK(count_of(stats, "read buffers allocated") <= 2 * cap);
  CHECK(count_of(stats, "read buffer bytes allocated") <= cap * (block + 4096));
}
