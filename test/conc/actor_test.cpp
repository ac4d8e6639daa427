#include "conc/actor.h"
#include "test_error.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

TEST_CASE("an actor handles messages one at a time, in order") {
  std::vector<int> seen;  // owned by the actor's thread
  {
    conc::Actor<int> actor([&seen](int& m) { seen.push_back(m); });
    for (int i = 0; i < 100; ++i) REQUIRE(actor.tell(i));
    actor.stop();  // handles everything already sent
    CHECK(actor.handled() == 100);
    CHECK_FALSE(actor.tell(100));
  }
  REQUIRE(seen.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(seen[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("ask replies through a future, exceptions included") {
  int total = 0;
  conc::Actor<int, int> adder([&total](int& m) {
    if (m < 0) throw conc::test::TestError("negative");
    total += m;
    return total;
  });
  CHECK(adder.ask(5).get() == 5);
  CHECK(adder.ask(10).get() == 15);
  CHECK_THROWS_WITH(adder.ask(-1).get(), "negative");
  adder.tell(-2);  // a failing tell does not stop the actor
  CHECK(adder.ask(1).get() == 16);
  CHECK(adder.failed() == 1);
  adder.stop();
  CHECK_THROWS_AS(adder.ask(1).get(), std::runtime_error);
}

TEST_CASE("many senders: the actor's state sees every message once", "[stress]") {
  constexpr int kSenders = 4;
  constexpr int kEach = 5000;
  long sum = 0;
  long count = 0;
  conc::Actor<int> actor(
      [&](int& m) {
        sum += m;
        ++count;
      },
      16);                      // bounded mailbox: senders feel backpressure
  std::atomic<int> refused{0};  // Catch2 assertions are not thread-safe: count, check later
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&actor, &refused] {
      for (int i = 1; i <= kEach; ++i) {
        if (!actor.tell(i)) refused.fetch_add(1);
      }
    });
  }
  for (auto& t : senders) t.join();
  actor.stop();
  CHECK(refused.load() == 0);
  CHECK(count == kSenders * kEach);
  CHECK(sum == static_cast<long>(kSenders) * kEach * (kEach + 1) / 2);
  CHECK(actor.mailbox_stats().received == static_cast<std::uint64_t>(kSenders * kEach));
}
