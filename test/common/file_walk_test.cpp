#include "common/file_walk.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "temp_dir.h"

using conc::common::Diagnostics;
using conc::common::WalkOptions;
using conc::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Walked {
  std::vector<std::string> paths;  // relative to the root, in walk order
  std::vector<std::string> diagnostics;
};

Walked walk(const TempDir& dir, const std::vector<std::string>& named, const WalkOptions& options = {}) {
  std::vector<std::string> lines;
  Diagnostics diag("test", [&](std::string_view l) { lines.emplace_back(l); });
  std::vector<std::string> full;
  for (const auto& n : named) full.push_back(n == "-" ? n : (dir.path / n).string());
  Walked w;
  const std::string root = dir.path.string() + "/";
  for (const auto& f : conc::common::walk(full, options, diag)) {
    w.paths.push_back(f.path.rfind(root, 0) == 0 ? f.path.substr(root.size()) : f.path);
  }
  for (auto& l : lines) {
    const auto at = l.find(root);
    if (at != std::string::npos) l.erase(at, root.size());
    w.diagnostics.push_back(l);
  }
  return w;
}

}  // namespace

TEST_CASE("walk: directories depth first, entries sorted by name bytes, named paths in their order") {
  TempDir dir;
  (void)dir.write("t/b.txt", "bb");
  (void)dir.write("t/B.txt", "B");
  (void)dir.write("t/a/z.txt", "");
  (void)dir.write("t/a/\xC3\xA9.txt", "");  // a UTF-8 name sorts after ASCII by bytes
  (void)dir.write("t/a-b", "");             // names sort, not paths: "a" before "a-b"
  (void)dir.write("one.txt", "1");
  const auto w = walk(dir, {"one.txt", "t", "-", "one.txt"});
  CHECK(w.paths == std::vector<std::string>{"one.txt", "t/B.txt", "t/a/z.txt", "t/a/\xC3\xA9.txt", "t/a-b", "t/b.txt",
                                            "-", "one.txt"});
  CHECK(w.diagnostics.empty());
  Diagnostics quiet("test", [](std::string_view) {});
  const auto sizes = conc::common::walk({(dir.path / "t" / "b.txt").string()}, {}, quiet);
  REQUIRE(sizes.size() == 1);
  CHECK(sizes[0].size == 2);
}

TEST_CASE("walk: excludes match a name or a whole path inside a walk, never a named path") {
  TempDir dir;
  (void)dir.write("t/keep.c", "");
  (void)dir.write("t/drop.o", "");
  (void)dir.write("t/build/x.c", "");
  (void)dir.write("t/sub/build.c", "");
  WalkOptions o;
  o.excludes = {"*.o", "*/build"};
  CHECK(walk(dir, {"t"}, o).paths == std::vector<std::string>{"t/keep.c", "t/sub/build.c"});
  CHECK(walk(dir, {"t/drop.o"}, o).paths == std::vector<std::string>{"t/drop.o"});
}

TEST_CASE("walk: symlinks inside a walk are followed only when asked, and loops are reported") {
  TempDir dir;
  (void)dir.write("t/real.txt", "r");
  fs::create_symlink("real.txt", dir.path / "t" / "link.txt");
  fs::create_symlink("..", dir.path / "t" / "up");  // a loop once followed
  CHECK(walk(dir, {"t"}).paths == std::vector<std::string>{"t/real.txt"});
  CHECK(walk(dir, {"t/link.txt"}).paths == std::vector<std::string>{"t/link.txt"});  // named: followed
  WalkOptions follow;
  follow.follow_symlinks = true;
  const auto w = walk(dir, {"t"}, follow);
  CHECK(w.paths == std::vector<std::string>{"t/link.txt", "t/real.txt"});
  CHECK(w.diagnostics == std::vector<std::string>{"conc test: t/up/t: directory loop (already being walked), skipped"});
}

TEST_CASE("walk: missing paths are errors, FIFOs inside a walk warnings, a named FIFO a stream") {
  TempDir dir;
  (void)dir.write("t/a.txt", "");
  REQUIRE(::mkfifo((dir.path / "t" / "fifo").c_str(), 0600) == 0);
  const auto w = walk(dir, {"missing", "t", "t/fifo"});
  CHECK(w.paths == std::vector<std::string>{"t/a.txt", "t/fifo"});
  CHECK(w.diagnostics == std::vector<std::string>{"conc test: missing: No such file or directory",
                                                  "conc test: t/fifo: not a regular file, skipped"});
}

TEST_CASE("walk: files in the skip list (the run's own outputs) are left out inside a walk only") {
  TempDir dir;
  const auto out = dir.write("t/out.txt", "old");
  (void)dir.write("t/in.txt", "");
  WalkOptions o;
  o.skip = {*conc::common::file_id(out)};
  CHECK(walk(dir, {"t"}, o).paths == std::vector<std::string>{"t/in.txt"});
  CHECK(walk(dir, {"t/out.txt"}, o).paths == std::vector<std::string>{"t/out.txt"});
  CHECK_FALSE(conc::common::file_id((dir.path / "none").string()).has_value());
}
