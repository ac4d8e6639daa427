#include "record_reader.h"

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "common/diagnostics.h"

namespace conc::hash {

void refuse(const std::string& part, const std::string& reason) {
  throw std::runtime_error(common::printable_name(part) + ": " + reason);
}

void RecordReader::refuse_here(const std::string& reason) const {
  refuse(number_ == 0 ? part_ : part_ + ":" + std::to_string(number_), reason);
}

std::optional<std::string> RecordReader::next() {
  for (;;) {
    std::optional<std::string> raw = next_raw();
    if (!raw) {
      if (shape_ == Shape::kJson && !closed_) refuse_here("truncated: the json array is not closed");
      return std::nullopt;
    }
    if (shape_ != Shape::kJson) return raw;
    if (closed_) refuse_here("more after the end of the json array");
    if (*raw == "]") {
      if (comma_) refuse_here("truncated: the json array ends after a comma");
      closed_ = true;
      continue;
    }
    if (number_ > 2 && !comma_) refuse_here("two json elements without a comma between them");
    if (raw->size() < 2 || raw->compare(0, 2, "  ") != 0) refuse_here("not a json element of a conc hash part");
    raw->erase(0, 2);
    comma_ = !raw->empty() && raw->back() == ',';
    if (comma_) raw->pop_back();
    return raw;
  }
}

std::optional<std::string> RecordReader::next_raw() {
  std::string record;
  for (;;) {
    if (pos_ == buffer_.size()) {
      buffer_.resize(std::size_t{16} << 10);  // N parts are read at once: small blocks
      buffer_.resize(fill_(buffer_));
      pos_ = 0;
      if (buffer_.empty()) {
        if (record.empty()) return std::nullopt;
        ++number_;
        refuse_here(std::string("truncated: the last record has no ") + (end_ == '\0' ? "NUL" : "newline") +
                    " at its end");
      }
    }
    const std::string_view left(buffer_.data() + pos_, buffer_.size() - pos_);
    // The first record: a text header ends at '\n' or (with -z) at a NUL.
    const std::size_t at = end_ == kUnknownEnd ? left.find_first_of(std::string_view("\n\0", 2)) : left.find(end_);
    const bool found = at != std::string_view::npos;
    const std::size_t take = found ? at : left.size();
    const std::size_t limit = number_ == 0 || (shape_ == Shape::kJson && number_ == 1) ? kMaxHeaderRecord : kMaxRecord;
    if (record.size() + take > limit) {
      ++number_;
      refuse_here("a record longer than " + std::to_string(limit >> 20) + "M: not a conc hash part");
    }
    record.append(left.substr(0, take));
    pos_ += take;
    if (found) {
      if (end_ == kUnknownEnd) end_ = left[at];
      ++pos_;
      ++number_;
      return record;
    }
  }
}

}  // namespace conc::hash
