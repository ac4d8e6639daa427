// apps/conc/app.h: parse argv, run one subcommand, map the outcome to an exit code.
#pragma once

#include <vector>

#include "command.h"

namespace conc::cli {

/// The whole binary: `main` only calls this with `all_commands()`.
int run_app(int argc, char** argv, std::vector<Command> commands);

}  // namespace conc::cli
