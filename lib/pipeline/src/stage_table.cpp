// The stage table: every stage of the language, its arity and its help, in one place.
#include "pipeline/stage.h"
#include "stage_args.h"

namespace conc::pipeline {

std::span<const StageInfo> all_stages() noexcept {
  using namespace detail;
  // name, usage, min and max arguments, rest of the text as one argument, serial, example, help, factory
  static constexpr StageInfo kStages[] = {
      {"grep", "grep [-v] [-i] RE", 1, 3, false, false, "grep -v ^#",
       "keep the lines matching RE (-v: not matching, -i: any case)", make_grep},
      {"replace", "replace RE REPL", 2, 2, false, false, "replace (\\w+)=(\\w+) \\2=\\1",
       "replace every match of RE by REPL (\\1 groups)", make_replace},
      {"replace-first", "replace-first RE REPL", 2, 2, false, false, "replace-first a b",
       "replace the first match of RE in each line", make_replace_first},
      {"upper", "upper", 0, 0, false, false, "upper", "ASCII letters to upper case, as tr a-z A-Z", make_upper},
      {"lower", "lower", 0, 0, false, false, "lower", "ASCII letters to lower case, as tr A-Z a-z", make_lower},
      {"trim", "trim", 0, 0, false, false, "trim", "drop spaces and tabs at both ends (a CR of CRLF stays)", make_trim},
      {"rev", "rev", 0, 0, false, false, "rev", "reverse each line's characters (UTF-8 aware)", make_rev},
      {"cut", "cut DELIM FIELDS", 2, 2, false, false, "cut , 1,3-4",
       "fields as cut -d DELIM -f FIELDS; DELIM is one byte, \\t (a tab) or \\\\ (a backslash)", make_cut},
      {"hash", "hash ALGO", 1, 1, false, false, "hash sha256", "append a tab and the line's digest", make_hash},
      {"number", "number", 0, 0, false, true, "number", "number the lines, as cat -n", make_number},
      {"uniq", "uniq", 0, 0, false, true, "uniq", "drop a line equal to the one before it", make_uniq},
      {"head", "head N", 1, 1, false, true, "head 10", "keep the first N lines, then stop reading", make_head},
      {"exec", "exec CMD", 1, 1, true, false, "exec tr a-z A-Z",
       "each batch through the shell command CMD (stdin to stdout)", make_exec},
  };
  return kStages;
}

const StageInfo* find_stage(std::string_view name) noexcept {
  for (const auto& s : all_stages()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace conc::pipeline
