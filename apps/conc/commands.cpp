// The one place where subcommands are registered, in `conc --help` order.
#include "commands.h"

namespace conc::cli {

std::vector<Command> all_commands() {
  std::vector<Command> commands = {crawl_command(), hash_command(), image_command(), pipeline_command(),
                                   wordcount_command()};
  commands.insert(commands.begin(), bench_command(commands));
  return commands;
}

}  // namespace conc::cli
