#include "bench/child_args.h"

#include <stdexcept>
#include <string_view>

namespace conc::bench {
namespace {

// An option word `arg` is `name` itself, or `name` with its value attached:
// `-j4` for a short name, `--threads=4` for a long one.
bool spells(std::string_view arg, std::string_view name) {
  if (arg.substr(0, name.size()) != name) return false;
  if (arg.size() == name.size()) return true;
  return name.size() == 2 ? true : arg[name.size()] == '=';
}

}  // namespace

ChildArgs check_child_args(std::vector<std::string> args) {
  ChildArgs out;
  bool output_seen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string arg = args[i];
    if (arg == "--") break;  // the rest is positional: a file may well be called -j
    for (const std::string_view name : {"-j", "--threads", "-s", "--strategy"}) {
      if (spells(arg, name)) {
        throw std::invalid_argument("'" + arg +
                                    "' after '--': bench sets the strategy and threads of each run "
                                    "(use --strategies and --threads before '--')");
      }
    }
    if (spells(arg, "--stats-json")) {
      throw std::invalid_argument("'" + arg + "' after '--': bench gives every run a --stats-json file of its own");
    }
    const bool short_o = spells(arg, "-o");
    const bool long_o = spells(arg, "--output");
    if (!short_o && !long_o) continue;
    if (output_seen) throw std::invalid_argument("-o given twice after '--'");
    output_seen = true;
    const std::size_t name_length = short_o ? 2 : std::string_view("--output").size();
    if (arg.size() > name_length) {  // the value attached: split it off into a word of its own
      const std::size_t value_from = short_o ? 2 : name_length + 1;
      args[i] = arg.substr(0, name_length);
      args.insert(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, arg.substr(value_from));
    }
    if (i + 1 >= args.size()) throw std::invalid_argument("'" + arg + "' after '--' needs a value");
    ++i;
    if (args[i] != "-") out.output_at = i;
  }
  out.args = std::move(args);
  return out;
}

}  // namespace conc::bench
