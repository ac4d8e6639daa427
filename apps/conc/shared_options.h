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

/// Parses a byte count: "65536", "64K", "8M", "1G" (binary units). Returns
/// 0 for anything else.
std::size_t parse_size(const std::string& text);

/// A CLI11 check that accepts what `parse_size` accepts.
CLI::Validator size_validator();

}  // namespace conc::cli
