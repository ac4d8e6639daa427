// hash/src/in_order.h: a reorder buffer that releases outcomes in job order.
#pragma once

#include <cstddef>
#include <map>
#include <utility>

#include "hash/hash_jobs.h"

namespace conc::hash::detail {

/// Outcomes arrive in any order; `add` passes each to the sink once every
/// earlier one has been passed. Holds only the ones that arrived early.
/// Used by one thread (the caller of hash_jobs).
class InOrder {
 public:
  explicit InOrder(const OutcomeSink& sink) : sink_(sink) {}

  void add(std::size_t index, Outcome&& outcome) {
    if (index != next_) {
      early_.emplace(index, std::move(outcome));
      return;
    }
    sink_(next_++, std::move(outcome));
    for (auto it = early_.begin(); it != early_.end() && it->first == next_; it = early_.erase(it)) {
      sink_(next_++, std::move(it->second));
    }
  }

 private:
  const OutcomeSink& sink_;
  std::size_t next_ = 0;
  std::map<std::size_t, Outcome> early_;
};

}  // namespace conc::hash::detail
