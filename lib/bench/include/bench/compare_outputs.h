// bench/compare_outputs.h: where two runs' outputs first differ.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace conc::bench {

/// Compares two outputs byte for byte: two regular files, or two directory
/// trees (the same relative names, each file the same bytes; symlinks by
/// their targets). Returns nullopt when they are identical, else where they
/// first differ, in name order: "byte 1234", "a/b.png: byte 12", "byte 100
/// (100 bytes, the other 120)" when one is a prefix of the other, "only the
/// first has a/c.png", "a/d: a file in the first, a directory in the
/// second". Throws std::runtime_error when either is missing or a file
/// cannot be read.
std::optional<std::string> first_difference(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace conc::bench
