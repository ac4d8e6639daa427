#include "bench/compare_outputs.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace conc::bench {
namespace fs = std::filesystem;
namespace {

std::ifstream open_or_throw(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error(p.string() + ": cannot read");
  return in;
}

// `where` prefixes the message with the file's name inside a tree ("" at the top).
std::optional<std::string> compare_files(const fs::path& a, const fs::path& b, const std::string& where) {
  std::ifstream fa = open_or_throw(a);
  std::ifstream fb = open_or_throw(b);
  std::vector<char> ba(1 << 16);
  std::vector<char> bb(1 << 16);
  std::uint64_t offset = 0;
  for (;;) {
    fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
    fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
    const auto na = static_cast<std::size_t>(fa.gcount());
    const auto nb = static_cast<std::size_t>(fb.gcount());
    const std::size_t common = std::min(na, nb);
    const auto mismatch = std::mismatch(ba.begin(), ba.begin() + static_cast<std::ptrdiff_t>(common), bb.begin());
    if (mismatch.first != ba.begin() + static_cast<std::ptrdiff_t>(common)) {
      return where + "byte " + std::to_string(offset + static_cast<std::uint64_t>(mismatch.first - ba.begin()));
    }
    offset += common;
    if (na != nb) {
      // One ended: the rest of the longer one tells its size.
      const std::uint64_t size_a = fs::file_size(a);
      const std::uint64_t size_b = fs::file_size(b);
      return where + "byte " + std::to_string(offset) + " (" + std::to_string(size_a) + " bytes, the other " +
             std::to_string(size_b) + ")";
    }
    if (na == 0) return std::nullopt;
  }
}

std::string kind(const fs::file_status& s) {
  if (fs::is_directory(s)) return "directory";
  if (fs::is_symlink(s)) return "symbolic link";
  return "file";
}

std::set<std::string> tree_names(const fs::path& root) {
  std::set<std::string> names;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    names.insert(it->path().lexically_relative(root).string());
  }
  return names;
}

std::optional<std::string> compare(const fs::path& a, const fs::path& b, const std::string& where) {
  const auto sa = fs::symlink_status(a);
  const auto sb = fs::symlink_status(b);
  for (const auto& [path, status] : {std::pair{&a, sa}, std::pair{&b, sb}}) {
    if (!fs::exists(status)) throw std::runtime_error(path->string() + ": missing");
  }
  if (sa.type() != sb.type()) return where + "a " + kind(sa) + " in the first, a " + kind(sb) + " in the second";
  if (fs::is_symlink(sa)) {
    if (fs::read_symlink(a) != fs::read_symlink(b)) return where + "symbolic links to different targets";
    return std::nullopt;
  }
  if (!fs::is_directory(sa)) return compare_files(a, b, where);
  const auto na = tree_names(a);
  const auto nb = tree_names(b);
  for (const auto& n : na) {
    if (!nb.contains(n)) return "only the first has " + (where + n);
  }
  for (const auto& n : nb) {
    if (!na.contains(n)) return "only the second has " + (where + n);
  }
  for (const auto& n : na) {  // sorted: the first difference in name order
    const fs::path pa = a / n;
    if (fs::is_directory(fs::symlink_status(pa)) && fs::is_directory(fs::symlink_status(b / n))) continue;
    if (auto d = compare(pa, b / n, where + n + ": ")) return d;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> first_difference(const fs::path& a, const fs::path& b) { return compare(a, b, ""); }

}  // namespace conc::bench
