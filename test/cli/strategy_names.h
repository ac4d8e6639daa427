// test/cli/strategy_names.h: the -s values of each subcommand, read from its
// engine's strategy table, so the end-to-end matrices cover a new strategy
// as soon as its row is added.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/strategy.h"
#include "hash/hash_jobs.h"
#include "pipeline/pipeline.h"
#include "wordcount/wordcount.h"

namespace conc::test {

template <class E>
std::vector<std::string> strategy_names(std::span<const common::StrategyInfo<E>> table) {
  std::vector<std::string> names;
  for (const auto& row : table) names.emplace_back(row.name);
  return names;
}

inline std::vector<std::string> hash_strategies() { return strategy_names(hash::strategies()); }
inline std::vector<std::string> wordcount_strategies() { return strategy_names(wordcount::strategies()); }
inline std::vector<std::string> pipeline_strategies() { return strategy_names(pipeline::strategies()); }

}  // namespace conc::test
