#include "conc/chase_lev_deque.h"

#include <catch2/catch.hpp>
#include <atomic>
#include <thread>
#include <vector>

TEST_CASE("owner pops LIFO, thieves steal FIFO") {
  conc::ChaseLevDeque<int> dq(4);
  for (int i = 0; i < 5; ++i) dq.push(i);
  CHECK(dq.size() == 5);
  CHECK(dq.steal() == std::optional<int>(0));
  CHECK(dq.pop() == std::optional<int>(4));
  CHECK(dq.steal() == std::optional<int>(1));
  CHECK(dq.pop() == std::optional<int>(3));
  CHECK(dq.pop() == std::optional<int>(2));
  CHECK_FALSE(dq.pop().has_value());
  CHECK_FALSE(dq.steal().has_value());
  CHECK(dq.empty());
}

TEST_CASE("the ring grows and keeps every item") {
  conc::ChaseLevDeque<int> dq(2);
  for (int i = 0; i < 1000; ++i) dq.push(i);
  CHECK(dq.capacity() >= 1000);
  for (int i = 999; i >= 0; --i) REQUIRE(dq.pop() == std::optional<int>(i));
}

// One owner pushing and popping, several thieves stealing, with the ring
// growing under them: every item must be taken exactly once.
TEST_CASE("deque stress: owner and thieves take each item exactly once") {
  const int thieves = GENERATE(1, 3);
  constexpr int kItems = 200000;
  conc::ChaseLevDeque<int> dq(2);  // tiny: forces many grows during the race
  std::vector<std::atomic<int>> taken(kItems);
  std::atomic<bool> owner_done{false};

  std::vector<std::thread> threads;
  for (int t = 0; t < thieves; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        if (auto v = dq.steal()) {
          taken[static_cast<std::size_t>(*v)].fetch_add(1);
        } else if (owner_done.load()) {
          if (!dq.steal().has_value() && dq.empty()) return;
        }
      }
    });
  }
  for (int i = 0; i < kItems; ++i) {
    dq.push(i);
    if (i % 3 == 0) {
      if (auto v = dq.pop()) taken[static_cast<std::size_t>(*v)].fetch_add(1);
    }
  }
  while (auto v = dq.pop()) taken[static_cast<std::size_t>(*v)].fetch_add(1);
  owner_done.store(true);
  for (auto& t : threads) t.join();

  int wrong = 0;
  for (auto& c : taken) wrong += c.load() != 1;
  CHECK(wrong == 0);
}
