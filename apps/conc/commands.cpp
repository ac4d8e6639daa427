// The one place where subcommands are registered, in `conc --help` order.
#include "command.h"

namespace conc::cli {

std::vector<Command> all_commands() { return {}; }

}  // namespace conc::cli
