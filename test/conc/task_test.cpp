#include "conc/task.h"

#include <catch2/catch.hpp>
#include <memory>

TEST_CASE("Task runs a move-only callable exactly once per call") {
  auto owned = std::make_unique<int>(41);
  int seen = 0;
  conc::Task task([p = std::move(owned), &seen] { seen = ++*p; });
  REQUIRE(static_cast<bool>(task));
  task();
  CHECK(seen == 42);
}

TEST_CASE("Task release and adopt keep the callable alive") {
  int calls = 0;
  conc::Task task([&calls] { ++calls; });
  conc::Task::Node* node = task.release();
  CHECK_FALSE(static_cast<bool>(task));
  conc::Task again = conc::Task::adopt(node);
  again();
  again();
  CHECK(calls == 2);
}
