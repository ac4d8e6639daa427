// bench/child_args.h: the subcommand's own arguments, checked for what bench sets itself.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace conc::bench {

/// SUBCOMMAND-ARGS after `check_child_args`: the options bench sets are
/// refused, and an -o is found, so each run can write its own copy.
struct ChildArgs {
  /// The arguments, with `-oFILE` and `--output=FILE` spelled as two words.
  std::vector<std::string> args;
  /// Where the -o value is in `args`; nullopt without -o (or with `-o -`):
  /// the runs' stdout is what gets compared.
  std::optional<std::size_t> output_at;
};

/// Checks SUBCOMMAND-ARGS. `-j`/`--threads`, `-s`/`--strategy` and
/// `--stats-json` are bench's to set, in any spelling (`-j4`, `--threads=4`):
/// throws std::invalid_argument naming the one found. Option words are read
/// up to a `--` of their own; what follows it is positional. Two -o options
/// are refused too (which one would the runs write?).
ChildArgs check_child_args(std::vector<std::string> args);

}  // namespace conc::bench
