#include "common/interrupt.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <thread>

using namespace std::chrono_literals;

TEST_CASE("SIGINT becomes a stop request instead of killing the process") {
  conc::common::InterruptGuard guard;
  CHECK_FALSE(guard.interrupted());
  CHECK_FALSE(guard.token().stop_requested());
  std::raise(SIGINT);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!guard.token().stop_requested() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  CHECK(guard.token().stop_requested());
  CHECK(guard.signal() == SIGINT);
}

TEST_CASE("a guard with no signal shuts down cleanly and can be made again") {
  { conc::common::InterruptGuard a; }
  conc::common::InterruptGuard b;
  CHECK_FALSE(b.interrupted());
}
