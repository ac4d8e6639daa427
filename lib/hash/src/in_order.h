// hash/src/in_order.h: a reorder buffer that releases outcomes in job order.
#pragma once

#include <cstddef>
#include <stop_token>
#include <utility>
#include "conc/reorder_buffer.h"

#include "hash/hash_jobs.h"

namespace conc::hash::detail {

/// Outcomes arrive in any order; `add` passes each to the sink once every
/// earlier one has been passed. Holds only the ones that arrived early.
/// Once `stop` is requested (the sink itself may request it) nothing more
/// is passed. Used by one thread (the caller of hash_jobs).
class InOrder {
 public:
  InOrder(const OutcomeSink& sink, std::stop_token stop) : sink_(sink), stop_(std::move(stop)) {}

  void add(std::size_t index, Outcome&& outcome) {
    order_.push(index, std::move(outcome));
    while (!stop_.stop_requested()) {
      const auto index_of_next = order_.next();
      auto next = order_.pop();
      if (!next) return;
      sink_(index_of_next, std::move(*next));
    }
  }

 private:
  const OutcomeSink& sink_;
  std::stop_token stop_;
  ReorderBuffer<Outcome> order_;
};

}  // namespace conc::hash::detail
