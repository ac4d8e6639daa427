#include "common/read_all.h"

#include <array>
#include <cstring>
#include <span>
#include <utility>

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

std::string read_prefix(const std::string& path, std::size_t limit, const std::stop_token& stop) {
  Input in = Input::open(path);
  std::string text(limit, '\0');
  std::size_t got = 0;
  while (got < limit) {
    const std::size_t n = in.read(std::span<char>(text).subspan(got), stop);
    if (n == 0) break;
    got += n;
  }
  text.resize(got);
  return text;
}

std::string limit_text(std::size_t bytes) {
  for (const auto& [shift, unit] : {std::pair{30, 'G'}, std::pair{20, 'M'}, std::pair{10, 'K'}}) {
    const std::size_t scale = std::size_t{1} << shift;
    if (bytes >= scale && bytes % scale == 0) return std::to_string(bytes / scale) + unit;
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

LinesEnd for_each_line(const std::string& path, std::size_t max_line, Diagnostics& diag, const std::stop_token& stop,
                       const std::function<void(std::string_view line, std::uint64_t number)>& sink) {
  std::uint64_t number = 0;
  std::string line;  // a line spanning blocks, never longer than max_line
  try {
    Input in = Input::open(path);
    std::array<char, std::size_t{1} << 16> buffer;
    while (const std::size_t n = in.read(buffer, stop)) {
      std::string_view data(buffer.data(), n);
      while (!data.empty()) {
        if (stop.stop_requested()) return LinesEnd::kStopped;
        const std::size_t nl = data.find('\n');
        const std::size_t len = nl == std::string_view::npos ? data.size() : nl;
        if (line.size() + len > max_line) {
          diag.error(path + ":" + std::to_string(number + 1), "line longer than " + limit_text(max_line));
          return LinesEnd::kFailed;
        }
        if (nl == std::string_view::npos) {
          line.append(data);
          break;
        }
        ++number;
        if (line.empty()) {
          sink(data.substr(0, nl), number);
        } else {
          line.append(data.substr(0, nl));
          sink(line, number);
          line.clear();
        }
        data.remove_prefix(nl + 1);
      }
    }
  } catch (const InputError& e) {  // EISDIR for a directory
    diag.error(path, e.what());
    return LinesEnd::kFailed;
  }
  if (stop.stop_requested()) return LinesEnd::kStopped;
  if (!line.empty()) sink(line, ++number);  // a last line without its '\n'
  return LinesEnd::kDone;
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
        const std::size_t end =
            nul == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(nul) - buffer.data());
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
