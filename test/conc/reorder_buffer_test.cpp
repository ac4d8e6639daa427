#include "conc/reorder_buffer.h"

#include <catch2/catch.hpp>
#include <string>

#include "conc/executor.h"

TEST_CASE("ReorderBuffer hands items back in sequence order, each once") {
  conc::ReorderBuffer<std::string> order;
  CHECK_FALSE(order.pop());
  order.push(2, "c");
  order.push(1, "b");
  CHECK_FALSE(order.pop());  // 0 has not arrived
  CHECK(order.next() == 0);
  order.push(0, "a");
  CHECK(order.pop() == "a");
  CHECK(order.pop() == "b");
  CHECK(order.pop() == "c");
  CHECK_FALSE(order.pop());
  CHECK(order.next() == 3);
  order.push(3, "d");
  CHECK(order.pop() == "d");
}

TEST_CASE("thread_count: 0 means one per core, at least one") {
  CHECK(conc::thread_count(3) == 3);
  CHECK(conc::thread_count(0) >= 1);
}
