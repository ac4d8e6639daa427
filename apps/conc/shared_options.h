// apps/conc/shared_options.h: -j, -s, --stats, -q/-v, --progress, -o, --format.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "command.h"

namespace conc::cli {

/// Adds the options every subcommand shares to `sub`, validated for
/// `command` (its strategies and formats), storing into `options`.
void add_shared_options(CLI::App& sub, SharedOptions& options, const Command& command);

/// The `--strategy help` text: one line per strategy, `name  description`,
/// with ` (default)` after the default one.
std::string strategy_help(const Command& command);

/// Parses a -j value: a whole number from 1 to 4096. Returns an error
/// message, or "" when valid.
std::string check_threads(const std::string& text);

}  // namespace conc::cli
