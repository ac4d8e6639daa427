// pipeline/src/stage_args.h: argument checks shared by the stage factories.
#pragma once

#include <string>
#include <vector>

#include "pipeline/stage.h"

namespace conc::pipeline::detail {

/// Throws StageError unless `words` (the name included) has exactly `n` arguments.
inline void expect_args(const std::vector<std::string>& words, std::size_t n, const char* usage) {
  if (words.size() != n + 1) {
    throw StageError("expected " + std::string(usage) + ", got " + std::to_string(words.size() - 1) + " argument" +
                     (words.size() == 2 ? "" : "s"));
  }
}

}  // namespace conc::pipeline::detail
