#include "common/simd_text.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>

namespace {

// One byte at a time: what the 16-byte SSE2 steps must agree with.
std::string upper_reference(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}
std::string lower_reference(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

TEST_CASE("ascii_upper and ascii_lower map only ASCII letters, exactly at the range edges") {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string up = all;
  conc::common::ascii_upper(up);
  std::string down = all;
  conc::common::ascii_lower(down);
  CHECK(up == upper_reference(all));
  CHECK(down == lower_reference(all));
  // The neighbours of the ranges stay: '@' '[' '`' '{' and every byte >= 0x80 (UTF-8).
  std::string edges = "@AZ[`az{\xC3\xA9\xFF";
  conc::common::ascii_upper(edges);
  CHECK(edges == "@AZ[`AZ{\xC3\xA9\xFF");
}

TEST_CASE("simd_text agrees with a byte loop for every length and alignment") {
  std::mt19937 rng(7);
  std::string buffer(300, '\0');
  for (char& c : buffer) c = static_cast<char>(rng());
  for (std::size_t offset = 0; offset < 17; ++offset) {
    for (std::size_t length = 0; length + offset <= buffer.size(); length += (length < 40 ? 1 : 13)) {
      CAPTURE(offset, length);
      const std::string slice = buffer.substr(offset, length);
      std::string work = buffer;  // the tail past the slice must stay as it was
      conc::common::ascii_upper(std::span<char>(work.data() + offset, length));
      CHECK(work.substr(offset, length) == upper_reference(slice));
      CHECK(work.substr(offset + length) == buffer.substr(offset + length));
      work = buffer;
      conc::common::ascii_lower(std::span<char>(work.data() + offset, length));
      CHECK(work.substr(offset, length) == lower_reference(slice));
      const auto newlines = static_cast<std::uint64_t>(std::count(slice.begin(), slice.end(), '\n'));
      CHECK(conc::common::count_newlines(slice) == newlines);
    }
  }
  CHECK(conc::common::count_newlines(std::string(1000, '\n')) == 1000);
  CHECK(conc::common::count_newlines("") == 0);
}
