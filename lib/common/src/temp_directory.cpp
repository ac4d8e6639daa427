#include "common/temp_directory.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

#include "common/diagnostics.h"

namespace conc::common {

std::string temp_root() {
  const char* tmp = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): nothing here sets the environment
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

TempDirectory::TempDirectory(const std::string& prefix, const std::string& root) {
  const std::string base = root.empty() ? temp_root() : root;
  std::string pattern = (std::filesystem::path(base) / (prefix + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(base + ": cannot make a temporary directory: " + errno_reason(errno));
  }
  path_ = pattern;
}

TempDirectory::~TempDirectory() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace conc::common
