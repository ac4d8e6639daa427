// pipeline/src/stage_args.h: the stage factories the table names, and their shared argument check.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/stage.h"

namespace conc::pipeline::detail {

/// Throws StageError unless `words` (the name included) has from `min` to `max` arguments.
inline void expect_args(const std::vector<std::string>& words, std::size_t min, std::size_t max,
                        std::string_view usage) {
  const std::size_t n = words.size() - 1;
  if (n < min || n > max) {
    throw StageError("expected " + std::string(usage) + ", got " + std::to_string(n) + " argument" +
                     (n == 1 ? "" : "s"));
  }
}

// One factory per stage (StageFactory), each in its family's file.
std::unique_ptr<Stage> make_upper(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_lower(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_trim(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_rev(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_cut(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_hash(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_grep(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_replace(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_replace_first(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_number(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_uniq(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_head(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_exec(const std::string& text, const std::vector<std::string>& words);

}  // namespace conc::pipeline::detail
