#include "crawl/host_schedule.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

using conc::crawl::HostOutcome;
using conc::crawl::HostSchedule;
using conc::crawl::Politeness;
using namespace std::chrono_literals;

namespace {
const HostSchedule::Clock::time_point t0{std::chrono::seconds(1000)};
constexpr auto kNever = HostSchedule::Clock::time_point::max();
}  // namespace

TEST_CASE("HostSchedule allows per_host requests in flight per host, hosts apart") {
  HostSchedule s(Politeness{2, 0});
  HostSchedule::Clock::time_point retry;
  CHECK(s.try_start("a", t0, retry));
  CHECK(s.try_start("a", t0, retry));
  CHECK_FALSE(s.try_start("a", t0, retry));
  CHECK(retry == kNever);  // only a finish frees a slot
  CHECK(s.try_start("b", t0, retry));
  s.finish("a", HostOutcome::kOk, std::nullopt, t0);
  CHECK(s.try_start("a", t0, retry));
  CHECK(s.view("a").in_flight == 2);
  CHECK(s.view("b").in_flight == 1);
}

TEST_CASE("HostSchedule spaces starts by 1/rate and by Crawl-delay, the larger winning") {
  HostSchedule s(Politeness{8, 4});  // 4 per second: 250 ms apart
  HostSchedule::Clock::time_point retry;
  REQUIRE(s.try_start("a", t0, retry));
  CHECK_FALSE(s.try_start("a", t0 + 100ms, retry));
  CHECK(retry == t0 + 250ms);
  CHECK(s.try_start("a", t0 + 250ms, retry));
  s.set_crawl_delay("a", 1s);
  CHECK_FALSE(s.try_start("a", t0 + 600ms, retry));
  CHECK(retry == t0 + 1250ms);
  CHECK(s.view("a").spacing == 1s);
  CHECK(s.try_start("b", t0 + 600ms, retry));  // the delay is a's alone
}

TEST_CASE("a 429 drops the host to one request spaced by Retry-After, successes restore it step by step") {
  HostSchedule s(Politeness{4, 0});
  HostSchedule::Clock::time_point retry;
  for (int i = 0; i < 4; ++i) REQUIRE(s.try_start("a", t0, retry));
  s.finish("a", HostOutcome::kRateLimited, 2s, t0);
  CHECK(s.view("a").limit == 1);
  CHECK(s.view("a").spacing == 2s);
  // Three still in flight: no new start until they are down to zero and 2 s passed.
  for (int i = 0; i < 3; ++i) s.finish("a", HostOutcome::kOk, std::nullopt, t0 + 1s);
  // Each success restored one slot and halved the back-off: 4 slots, 250 ms.
  CHECK(s.view("a").limit == 4);
  CHECK(s.view("a").spacing == 250ms);
  CHECK_FALSE(s.try_start("a", t0 + 1500ms, retry));
  CHECK(retry == t0 + 2s);  // Retry-After holds from the 429 itself
  CHECK(s.try_start("a", t0 + 2s, retry));
  s.finish("a", HostOutcome::kRateLimited, std::nullopt, t0 + 2s);
  CHECK(s.view("a").spacing == 1s);  // no Retry-After: one second
  s.finish("a", HostOutcome::kFailed, std::nullopt, t0 + 3s);
  CHECK(s.view("a").limit == 1);  // a failure is not a success
}

TEST_CASE("HostSchedule::start blocks threads to per_host at a time and returns false on stop") {
  HostSchedule s(Politeness{3, 0});
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> done{0};
  std::atomic<int> refused{0};  // Catch's CHECK is not thread-safe: count, check after the join
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 12; ++t) {
      threads.emplace_back([&](const std::stop_token& stop) {
        for (int i = 0; i < 50; ++i) {
          if (!s.start("h", stop)) {
            refused.fetch_add(1);
            return;
          }
          const int now = inside.fetch_add(1) + 1;
          int m = most.load();
          while (now > m && !most.compare_exchange_weak(m, now)) {}
          std::this_thread::yield();
          inside.fetch_sub(1);
          s.finish("h", HostOutcome::kOk, std::nullopt, HostSchedule::Clock::now());
          done.fetch_add(1);
        }
      });
    }
    for (auto& t : threads) t.join();  // not the destructor's request_stop
  }
  CHECK(refused.load() == 0);
  CHECK(done.load() == 600);
  CHECK(most.load() <= 3);
  CHECK(most.load() >= 1);

  HostSchedule one(Politeness{1, 0});
  REQUIRE(one.start("h", std::stop_token{}));
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(20ms);
    stop.request_stop();
  });
  CHECK_FALSE(one.start("h", stop.get_token()));  // the slot is never freed: only the stop ends the wait
}
