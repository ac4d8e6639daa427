// test/support/temp_dir.h: a scratch directory removed at the end of a test.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/temp_directory.h"

namespace conc::test {

struct TempDir {
  common::TempDirectory dir{"conc-test-"};
  std::filesystem::path path = dir.path();
  /// Writes `contents` to `name` inside the directory; returns the full path.
  [[nodiscard]] std::string write(const std::string& name, const std::string& contents) const {
    const auto p = path / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << contents;
    return p.string();
  }
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace conc::test
