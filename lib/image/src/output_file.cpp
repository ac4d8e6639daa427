#include "output_file.h"

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace conc::image {

const std::string& OutputFile::make_parents(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    // The directory's own reason (a read-only file system), not the file's
    // later "No such file or directory".
    if (ec) throw std::runtime_error("cannot create directory '" + parent.string() + "': " + ec.message());
  }
  return path;
}

OutputFile::OutputFile(const std::string& path, const std::stop_token& stop) : out_(make_parents(path), stop) {}

}  // namespace conc::image
