// apps/conc/commands.h: one factory per subcommand (cmd_<name>.cpp).
#pragma once

#include "command.h"

namespace conc::cli {

/// Times the `timed` subcommands (those with strategies).
Command bench_command(const std::vector<Command>& timed);
Command crawl_command();
Command hash_command();
Command image_command();
Command pipeline_command();
Command wordcount_command();

}  // namespace conc::cli
