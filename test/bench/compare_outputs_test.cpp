// bench/compare_outputs.h: the first difference between two files or trees.
#include "bench/compare_outputs.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "temp_dir.h"

using conc::bench::first_difference;
using conc::test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("identical files agree, and the first differing byte is named") {
  TempDir d;
  const std::string big(200000, 'x');  // several read blocks
  const auto a = d.write("a", big);
  const auto b = d.write("b", big);
  CHECK_FALSE(first_difference(a, b));
  std::string changed = big;
  changed[150001] = 'y';
  const auto c = d.write("c", changed);
  CHECK(first_difference(a, c) == "byte 150001");
  const auto e = d.write("e", "");
  const auto f = d.write("f", "");
  CHECK_FALSE(first_difference(e, f));
}

TEST_CASE("a file that is a prefix of the other differs where it ends") {
  TempDir d;
  const auto a = d.write("a", "hello\n");
  const auto b = d.write("b", "hello\nworld\n");
  CHECK(first_difference(a, b) == "byte 6 (6 bytes, the other 12)");
  CHECK(first_difference(b, a) == "byte 6 (12 bytes, the other 6)");
}

TEST_CASE("trees compare names first, then each file in name order") {
  TempDir d;
  (void)d.write("a/x.png", "1");
  (void)d.write("a/sub/y.png", "22");
  (void)d.write("b/x.png", "1");
  (void)d.write("b/sub/y.png", "22");
  CHECK_FALSE(first_difference(d.path / "a", d.path / "b"));
  (void)d.write("b/sub/y.png", "23");
  CHECK(first_difference(d.path / "a", d.path / "b") == "sub/y.png: byte 1");
  (void)d.write("b/z.png", "");
  CHECK(first_difference(d.path / "a", d.path / "b") == "only the second has z.png");
  CHECK(first_difference(d.path / "b", d.path / "a") == "only the first has z.png");
  CHECK(first_difference(d.path / "a" / "x.png", d.path / "b") == "a file in the first, a directory in the second");
}

TEST_CASE("an unreadable output is an error, not an agreement") {
  TempDir d;
  const auto a = d.write("a", "x");
  CHECK_THROWS_AS(first_difference(a, d.path / "missing"), std::exception);
}
