// bench/compare_outputs.h: where two runs' outputs first differ.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace conc::bench {

/// Compares two outputs byte for byte: two regular files, or two directory
/// trees (the same relative names, each file the same bytes; symlinks by
/// their targets). Returns nullopt when they are identical, else where they
/// first differ: "byte 1234", "a/b.png: byte 12", "a/b.png: 100 bytes, the
/// other 120 (the first 100 identical)", "only the first has a/c.png", or
/// "a file in one, a directory in the other". Throws std::runtime_error
/// when a file cannot be read.
std::optional<std::string> first_difference(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace conc::bench
