#include "common/read_all.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace conc::common {

std::optional<std::string> read_all(const std::string& path, Diagnostics& diag) {
  const bool is_stdin = path == "-";
  const int fd = is_stdin ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    diag.error(path, errno_reason(errno));
    return std::nullopt;
  }
  std::string text;
  char buffer[1 << 16];
  int failure = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failure = errno;  // EISDIR for a directory
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  if (!is_stdin) ::close(fd);
  if (failure != 0) {
    diag.error(path, errno_reason(failure));
    return std::nullopt;
  }
  return text;
}

}  // namespace conc::common
