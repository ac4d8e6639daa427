#include "conc/sharded_map.h"
#include "conc/mutex.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
}  // namespace

TEST_CASE("ShardedMap basic operations") {
  conc::ShardedMap<std::string, int, StringHash, std::equal_to<>> map(8);
  CHECK(map.shard_count() == 8);
  map.update(std::string_view("a"), [](int& v) { v += 2; });
  map.update(std::string_view("a"), [](int& v) { v += 3; });
  CHECK(map.insert_or_assign("b", 7));
  CHECK_FALSE(map.insert_or_assign("b", 8));
  CHECK(map.find(std::string_view("a")) == std::optional<int>(5));
  CHECK(map.find(std::string_view("b")) == std::optional<int>(8));
  CHECK_FALSE(map.find(std::string_view("zz")).has_value());
  CHECK(map.size() == 2);
  CHECK(map.erase(std::string_view("b")));
  CHECK_FALSE(map.erase(std::string_view("b")));
  int seen = 0;
  map.for_each([&](const std::string& k, int v) { seen += (k == "a" && v == 5); });
  CHECK(seen == 1);
  std::size_t drained = 0;
  for (std::size_t i = 0; i < map.shard_count(); ++i) drained += map.take_shard(i).size();
  CHECK(drained == 1);
  CHECK(map.size() == 0);
}

TEST_CASE("ShardedMap stress: concurrent updates lose no increment", "[stress]") {
  conc::ShardedMap<int, long> map(16);
  constexpr int kThreads = 4;
  constexpr int kKeys = 500;
  constexpr int kRounds = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&map, t] {
      for (int r = 0; r < kRounds; ++r) {
        for (int k = 0; k < kKeys; ++k) {
          map.update((k * 7 + t) % kKeys, [](long& v) { ++v; });
          if (k % 50 == 0) (void)map.find(k);  // readers in between
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(map.size() == kKeys);
  long total = 0;
  bool all_equal = true;
  map.for_each([&](int, long v) {
    total += v;
    all_equal = all_equal && v == kThreads * kRounds;
  });
  CHECK(total == static_cast<long>(kThreads) * kKeys * kRounds);
  CHECK(all_equal);
}

// Writers keep two fields equal under the exclusive lock; readers, under the
// shared lock, must never see them differ. Many more threads than cores, so
// holders are preempted and waiters park. Nothing lost: the total adds up.
TEST_CASE("SharedMutex: readers never see a half-done write, no increment is lost", "[stress]") {
  conc::SharedMutex mutex;
  long a = 0;
  long b = 0;
  std::atomic<int> torn{0};
  constexpr int kWriters = 8;
  constexpr int kReaders = 8;
  constexpr int kIterations = 20000;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIterations; ++i) {
        conc::WriterLock lock(mutex);
        ++a;
        ++b;
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIterations; ++i) {
        conc::ReaderLock lock(mutex);
        if (a != b) torn.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(torn.load() == 0);
  CHECK(a == long{kWriters} * kIterations);
  CHECK(b == a);
}
