// apps/conc/shared_options.h: -j, -s, --stats, -q/-v, --progress, -o, --format.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "command.h"
#include "common/shard.h"

namespace conc::cli {

/// The most threads -j (and a stage's --stage-threads) accepts.
inline constexpr std::size_t kMaxThreads = 4096;

/// Adds the options every subcommand shares to `sub`, validated for
/// `command` (its strategies and formats), storing into `options`.
void add_shared_options(CLI::App& sub, SharedOptions& options, const Command& command);

/// The `--strategy help` text: one line per strategy, `name  description`,
/// with ` (default)` after the default one.
std::string strategy_help(const Command& command);

/// Parses a -j value: a whole number from 1 to 4096. Returns an error
/// message, or "" when valid.
std::string check_threads(const std::string& text);

/// Checks a whole number option: digits only, from `min` to `max`. Returns
/// the error (`expected a whole number from 0 to 10, got '-1'`), or "".
std::string check_whole_number(const std::string& text, std::uint64_t min, std::uint64_t max);

/// A CLI11 check that accepts what `check_whole_number` accepts; CLI11 puts
/// the option's name before its message.
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max);

/// Checks a decimal number option ("0.5", "20", "1e3"): finite, from `min`
/// to `max`. Returns the error (`expected a number from 0.001 to 86400, got
/// 'abc'`), or "".
std::string check_decimal_number(const std::string& text, double min, double max);

/// A CLI11 check that accepts what `check_decimal_number` accepts.
CLI::Validator decimal_number(double min, double max);

/// Parses a byte count: "65536", "64K", "8M", "1G" (binary units). Returns
/// 0 for anything else, and for a count that does not fit a size_t.
std::size_t parse_size(const std::string& text);

/// A byte count as `parse_size` reads it, in the largest unit that divides
/// it: 67108864 -> "64M", 1000 -> "1000".
std::string format_size(std::size_t bytes);

/// A CLI11 check that accepts what `parse_size` accepts, from 1 to `max`
/// bytes: a bigger size is a usage error, not an allocation that fails.
CLI::Validator size_validator(std::size_t max);

/// Adds `--shard K/N` (hash, wordcount, image: one task of a job array),
/// checked as common::parse_shard reads it, stored into `shard`. `what` says
/// what the shard takes ("files, balanced by size").
void add_shard_option(CLI::App& sub, std::optional<common::Shard>& shard, const std::string& what);

}  // namespace conc::cli
