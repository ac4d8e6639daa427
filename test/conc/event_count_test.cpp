#include "conc/event_count.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

// A hand-off through a plain atomic counter, with consumers parking on the
// event count: if a wake-up were ever lost, a consumer would sleep forever
// and the test would hang (ctest's timeout fails it).
TEST_CASE("EventCount loses no wake-up under a producer/consumer storm") {
  constexpr int kItems = 20000;
  constexpr int kConsumers = 3;
  conc::EventCount ec;
  std::atomic<int> available{0};
  std::atomic<int> consumed{0};
  std::atomic<bool> done{false};

  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&] {
      for (;;) {
        int n = available.load();
        while (n > 0 && !available.compare_exchange_weak(n, n - 1)) {}
        if (n > 0) {
          consumed.fetch_add(1);
          continue;
        }
        auto key = ec.prepare_wait();
        if (available.load() > 0 || done.load()) {
          ec.cancel_wait();
          if (done.load() && available.load() == 0) return;
          continue;
        }
        ec.commit_wait(key);
      }
    });
  }
  for (int i = 0; i < kItems; ++i) {
    available.fetch_add(1);
    ec.notify_one();
  }
  while (consumed.load() < kItems) std::this_thread::yield();
  done.store(true);
  ec.notify_all();
  for (auto& t : consumers) t.join();
  CHECK(consumed.load() == kItems);
  CHECK(ec.waiters() == 0);
}
