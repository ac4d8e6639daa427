#include "output_file.h"

#include <filesystem>
#include <system_error>

namespace conc::image {

const std::string& OutputFile::make_parents(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    // A failure shows when the file is opened, with the reason for its own path.
  }
  return path;
}

OutputFile::OutputFile(const std::string& path, const std::stop_token& stop) : out_(make_parents(path), stop) {}

}  // namespace conc::image
