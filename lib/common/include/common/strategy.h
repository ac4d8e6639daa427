// common/strategy.h: the row type of an engine's strategy table (DESIGN.md §3).
//
// Each engine exports `std::span<const StrategyInfo<Strategy>> strategies()`,
// the one place a strategy's name, description and default are written: the
// CLI builds `-s` validation, `--strategy help` and the name -> enum
// conversion from it, the engine names its `--stats` executor with it, and
// the tests loop over it.
#pragma once

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace conc::common {

template <class E>
struct StrategyInfo {
  E id;
  std::string_view name;         ///< the `-s` value, DESIGN.md §3's vocabulary
  std::string_view description;  ///< one line for `--strategy help`
  bool is_default = false;       ///< exactly one row per table: the fastest, measured
};

/// The row named `name`, or nothing.
template <class E>
std::optional<E> strategy_by_name(std::span<const StrategyInfo<E>> table, std::string_view name) noexcept {
  for (const auto& s : table) {
    if (s.name == name) return s.id;
  }
  return std::nullopt;
}

/// The row of `id`. Every enumerator has a row (the engine tests check it),
/// so a miss is a programming error.
template <class E>
const StrategyInfo<E>& strategy_info(std::span<const StrategyInfo<E>> table, E id) {
  for (const auto& s : table) {
    if (s.id == id) return s;
  }
  throw std::logic_error("strategy missing from its table");
}

/// The row flagged `is_default`.
template <class E>
const StrategyInfo<E>& default_strategy(std::span<const StrategyInfo<E>> table) {
  for (const auto& s : table) {
    if (s.is_default) return s;
  }
  throw std::logic_error("strategy table has no default");
}

}  // namespace conc::common
