#include "common/diagnostics.h"

#include <unistd.h>
#include <cstdio>
#include <cstring>
#include <new>

namespace conc::common {

Diagnostics::Diagnostics(std::string command, Sink sink) : command_(std::move(command)), sink_(std::move(sink)) {
  if (!sink_) {
    sink_ = [](std::string_view line) {
      // One write(2) per line: lines from concurrent processes stay whole too.
      std::string buf(line);
      buf.push_back('\n');
      std::size_t off = 0;
      while (off < buf.size()) {
        const ssize_t n = ::write(STDERR_FILENO, buf.data() + off, buf.size() - off);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
    };
  }
}

std::string printable_name(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(name.size());
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string Diagnostics::format(std::string_view input, std::string_view reason) const {
  std::string line = "conc";
  if (!command_.empty()) {
    line += ' ';
    line += command_;
  }
  line += ": ";
  if (!input.empty()) {
    line += printable_name(input);
    line += ": ";
  }
  line += reason;
  return line;
}

void Diagnostics::error(std::string_view input, std::string_view reason) {
  errors_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a count
  emit(format(input, reason), true);
}

void Diagnostics::warning(std::string_view input, std::string_view reason) {
  warnings_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a count
  if (!quiet_) emit(format(input, reason), false);
}

void Diagnostics::relay_error(std::string_view line) {
  errors_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a count
  emit(printable_name(line), true);
}

void Diagnostics::set_error_tap(Sink tap) {
  std::lock_guard lock(mutex_);
  tap_ = std::move(tap);
}

void Diagnostics::emit(const std::string& line, bool is_error) {
  std::lock_guard lock(mutex_);
  sink_(line);
  if (is_error && tap_) tap_(line);
}

std::string errno_reason(int error_number) {
  char buf[256];
  // GNU strerror_r may return a static string instead of filling buf.
  const char* text = strerror_r(error_number, buf, sizeof buf);
  return text;
}

std::string exception_reason(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return "out of memory";
  return e.what();
}

}  // namespace conc::common
