// hash/src/in_order.h: a reorder buffer that releases outcomes in job order.
#pragma once

#include <cstddef>
#include <map>
#include <stop_token>
#include <utility>

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
    early_.emplace(index, std::move(outcome));
    for (auto it = early_.begin(); it != early_.end() && it->first == next_ && !stop_.stop_requested();
         it = early_.erase(it)) {
      sink_(next_++, std::move(it->second));
    }
  }

 private:
  const OutcomeSink& sink_;
  std::stop_token stop_;
  std::size_t next_ = 0;
  std::map<std::size_t, Outcome> early_;
};

}  // namespace conc::hash::detail
