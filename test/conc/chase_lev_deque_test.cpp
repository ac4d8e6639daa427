#include "conc/chase_lev_deque.h"

#include <atomic>
#include <catch2/catch.hpp>
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

// The last-item race, forced on purpose, round after round: the owner pushes
// one to three items and starts a round; every thief steals at once while the
// owner pops, so the owner's pop and the thieves' steals meet on the last
// item (decided by the CAS on top) thousands of times. Conservation: every
// item is taken exactly once, and nothing is left behind.
TEST_CASE("deque stress: owner pop and thieves race for the last item", "[stress]") {
  const int thieves = GENERATE(1, 2, 3);
  constexpr int kRounds = 20000;
  conc::ChaseLevDeque<int> dq(2);
  std::vector<std::atomic<int>> taken(static_cast<std::size_t>(kRounds) * 3);
  std::atomic<int> round{-1};    // the round thieves may play, -1 before the first
  std::atomic<int> finished{0};  // thieves done with the current round, summed
  std::atomic<bool> stop{false};
  std::atomic<long> stolen{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < thieves; ++t) {
    threads.emplace_back([&] {
      int played = -1;
      for (;;) {
        int r = round.load(std::memory_order_acquire);
        while (r == played) {
          if (stop.load(std::memory_order_acquire)) return;
          std::this_thread::yield();
          r = round.load(std::memory_order_acquire);
        }
        while (auto v = dq.steal()) {
          taken[static_cast<std::size_t>(*v)].fetch_add(1);
          stolen.fetch_add(1);
        }
        played = r;
        finished.fetch_add(1, std::memory_order_release);
      }
    });
  }
  int next_item = 0;
  long popped = 0;
  for (int r = 0; r < kRounds; ++r) {
    const int items = 1 + r % 3;
    for (int i = 0; i < items; ++i) dq.push(next_item++);
    round.store(r, std::memory_order_release);
    while (auto v = dq.pop()) {
      taken[static_cast<std::size_t>(*v)].fetch_add(1);
      ++popped;
    }
    while (finished.load(std::memory_order_acquire) < thieves * (r + 1)) std::this_thread::yield();
    REQUIRE(dq.empty());
  }
  stop.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();

  int lost = 0;
  int duplicated = 0;
  for (int i = 0; i < next_item; ++i) {
    const int c = taken[static_cast<std::size_t>(i)].load();
    lost += c == 0;
    duplicated += c > 1;
  }
  CHECK(lost == 0);
  CHECK(duplicated == 0);
  CHECK(popped + stolen.load() == next_item);
}

// Many thieves against an owner that pushes in bursts and pops in bursts,
// with the ring growing under them, over several rounds.
TEST_CASE("deque stress: bursts with many thieves conserve every item", "[stress]") {
  constexpr int kThieves = 4;
  constexpr int kItems = 400000;
  conc::ChaseLevDeque<int> dq(2);
  std::vector<std::atomic<int>> taken(kItems);
  std::atomic<bool> owner_done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThieves; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        if (auto v = dq.steal()) {
          taken[static_cast<std::size_t>(*v)].fetch_add(1);
        } else if (owner_done.load()) {
          return;  // the owner emptied the deque before setting owner_done
        }
      }
    });
  }
  int next = 0;
  unsigned burst = 1;
  while (next < kItems) {
    burst = burst * 1103515245u + 12345u;
    const int push = 1 + static_cast<int>((burst >> 16) % 64);
    for (int i = 0; i < push && next < kItems; ++i) dq.push(next++);
    const int pop = static_cast<int>((burst >> 8) % 64);
    for (int i = 0; i < pop; ++i) {
      if (auto v = dq.pop()) {
        taken[static_cast<std::size_t>(*v)].fetch_add(1);
      } else {
        break;
      }
    }
  }
  while (auto v = dq.pop()) taken[static_cast<std::size_t>(*v)].fetch_add(1);
  owner_done.store(true);
  for (auto& t : threads) t.join();
  int lost = 0;
  int duplicated = 0;
  for (auto& c : taken) {
    lost += c.load() == 0;
    duplicated += c.load() > 1;
  }
  CHECK(lost == 0);
  CHECK(duplicated == 0);
}
