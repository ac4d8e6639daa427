#include "common/read_all.h"

#include <array>
#include <cstring>

#include "common/input.h"

namespace conc::common {

std::optional<std::string> read_all(const std::string& path, Diagnostics& diag, const std::stop_token& stop) {
  std::string text;
  try {
    Input in = Input::open(path);
    std::array<char, std::size_t{1} << 16> buffer;
    while (const std::size_t n = in.read(buffer, stop)) text.append(buffer.data(), n);
  } catch (const InputError& e) {  // EISDIR for a directory
    diag.error(path, e.what());
    return std::nullopt;
  }
  if (stop.stop_requested()) return std::nullopt;
  return text;
}

void for_each_name0(const std::string& path, Diagnostics& diag, const std::stop_token& stop,
                    const std::function<void(std::string&&)>& sink) {
  const bool from_stdin = path == "-";
  std::uint64_t entry = 0;
  std::string name;  // the name being read, up to its NUL
  auto finish = [&] {
    ++entry;
    if (name.empty()) {
      diag.error(path, "entry " + std::to_string(entry) + ": invalid zero-length file name");
    } else if (from_stdin && name == "-") {
      // GNU's words (du, wc, sha256sum): stdin cannot also be one of the files.
      diag.error("", "when reading file names from standard input, no file name of '-' allowed");
    } else {
      sink(std::move(name));
    }
    name.clear();
  };
  try {
    Input in = Input::open(path);
    std::array<char, std::size_t{1} << 16> buffer;
    while (const std::size_t n = in.read(buffer, stop)) {
      for (std::size_t at = 0; at < n && !stop.stop_requested();) {
        const void* nul = std::memchr(buffer.data() + at, '\0', n - at);
        const std::size_t end = nul == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(nul) - buffer.data());
        name.append(buffer.data() + at, end - at);
        if (nul == nullptr) break;
        finish();
        at = end + 1;
      }
      if (stop.stop_requested()) return;
    }
  } catch (const InputError& e) {
    diag.error(path, e.what());
    return;
  }
  if (!name.empty() && !stop.stop_requested()) finish();  // a last name without its NUL
}

}  // namespace conc::common
