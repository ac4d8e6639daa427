#include "hash/shard_part.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>

#include "common/input.h"
#include "common/json_reader.h"
#include "common/json_writer.h"
#include "hash/report.h"

namespace conc::hash {
namespace {

// A header lists the shard's walk indices: a few bytes each, so 64 MiB
// holds millions of files; every other record is a manifest line.
constexpr std::size_t kMaxHeader = std::size_t{64} << 20;
constexpr std::size_t kMaxRecord = std::size_t{1} << 20;
constexpr std::string_view kJsonPrefix = R"({"conc_shard":)";

// A diagnostic line as a JSON string can hold it: bytes that are not
// UTF-8 (a file name's) are written \xHH, as printable_name writes controls.
std::string utf8_line(std::string_view line) {
  if (common::is_valid_utf8(line)) return std::string(line);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : line) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string one_member(std::string_view key, std::string_view value) {
  common::JsonWriter w;
  w.begin_object().key(key).value(utf8_line(value)).end_object();
  return w.take();
}

[[noreturn]] void refuse(const std::string& part, const std::string& reason) {
  throw std::runtime_error(common::printable_name(part) + ": " + reason);
}

enum class Shape { kLines, kZero, kJson, kJsonl };

Format format_of(Shape shape) {
  return shape == Shape::kJson ? Format::kJson : shape == Shape::kJsonl ? Format::kJsonl : Format::kText;
}

// A part's records, one at a time: text lines, NUL-ended records (-z), or
// the elements of a json array one per line, without the framing. The
// first record tells which: a text part's header ends at a '\n' or a NUL.
class RecordReader {
 public:
  using Fill = std::function<std::size_t(std::span<char>)>;

  RecordReader(std::string part, Fill fill) : part_(std::move(part)), fill_(std::move(fill)) {}

  // The next record, or nothing at the end. Throws on a record cut short
  // (the part ends without its record's end) or one too long.
  std::optional<std::string> next() {
    for (;;) {
      std::optional<std::string> raw = next_raw();
      if (!raw) {
        if (shape_ == Shape::kJson && !closed_) refuse_here("truncated: the json array is not closed");
        return std::nullopt;
      }
      if (shape_ != Shape::kJson) return raw;
      if (closed_) refuse_here("more after the end of the json array");
      if (number_ == 1) {
        if (*raw != "[") refuse_here("not a conc hash part: a json part opens with '['");
        continue;
      }
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

  void set_shape(Shape shape) noexcept { shape_ = shape; }
  [[nodiscard]] Shape shape() const noexcept { return shape_; }
  [[nodiscard]] char end() const noexcept { return end_; }
  [[nodiscard]] std::uint64_t number() const noexcept { return number_; }
  [[noreturn]] void refuse_here(const std::string& reason) const {
    refuse(number_ == 0 ? part_ : part_ + ":" + std::to_string(number_), reason);
  }

 private:
  std::optional<std::string> next_raw() {
    std::string record;
    for (;;) {
      if (pos_ == buffer_.size()) {
        buffer_.resize(std::size_t{1} << 16);
        buffer_.resize(fill_(buffer_));
        pos_ = 0;
        if (buffer_.empty()) {
          if (record.empty()) return std::nullopt;
          ++number_;
          refuse_here(std::string("truncated: the last record has no ") + (end_ == '\0' ? "NUL" : "newline") +
                      " at its end");
        }
      }
      const char* begin = buffer_.data() + pos_;
      const std::size_t left = buffer_.size() - pos_;
      const char* stop = nullptr;
      if (end_ == kUnknownEnd) {  // the first record: a text header ends at '\n' or (with -z) NUL
        const void* newline = std::memchr(begin, '\n', left);
        const void* nul = std::memchr(begin, '\0', left);
        stop = static_cast<const char*>(newline == nullptr ? nul : nul == nullptr ? newline : std::min(newline, nul));
      } else {
        stop = static_cast<const char*>(std::memchr(begin, end_, left));
      }
      const std::size_t take = stop == nullptr ? left : static_cast<std::size_t>(stop - begin);
      const std::size_t limit = number_ == 0 || (shape_ == Shape::kJson && number_ == 1) ? kMaxHeader : kMaxRecord;
      if (record.size() + take > limit) {
        ++number_;
        refuse_here("a record longer than " + std::to_string(limit >> 20) + "M: not a conc hash part");
      }
      record.append(begin, take);
      pos_ += take;
      if (stop != nullptr) {
        if (end_ == kUnknownEnd) end_ = *stop;
        ++pos_;
        ++number_;
        return record;
      }
    }
  }

  static constexpr char kUnknownEnd = 1;
  std::string part_;
  Fill fill_;
  std::string buffer_;
  std::size_t pos_ = 0;
  char end_ = kUnknownEnd;
  std::uint64_t number_ = 0;
  Shape shape_ = Shape::kLines;
  bool comma_ = false;
  bool closed_ = false;
};

// One of a part's own records, read.
struct ShardRecord {
  std::optional<PartHeader> header;
  std::optional<std::string> failed;
  std::optional<std::string> walk_error;
};

// The JSON of a part's own record if `record` is one (in the part's shape), else nothing.
std::optional<std::string_view> shard_json(std::string_view record, Shape shape) {
  if (shape == Shape::kLines || shape == Shape::kZero) {
    if (record.substr(0, kShardComment.size()) != kShardComment) return std::nullopt;
    return record.substr(kShardComment.size());
  }
  if (record.substr(0, kJsonPrefix.size()) != kJsonPrefix || record.back() != '}') return std::nullopt;
  return record.substr(kJsonPrefix.size(), record.size() - kJsonPrefix.size() - 1);
}

ShardRecord parse_shard_record(std::string_view json, const RecordReader& reader) {
  ShardRecord out;
  try {
    const common::Json doc = common::Json::parse(json);
    if (const auto* line = doc.find("failed")) {
      out.failed = line->string();
    } else if (const auto* walk = doc.find("walk_error")) {
      out.walk_error = walk->string();
    } else {
      PartHeader h;
      std::string error;
      const auto shard = common::parse_shard(doc.at("shard").string(), error);
      if (!shard) throw std::runtime_error("shard: " + error);
      h.shard = *shard;
      h.fingerprint = doc.at("fingerprint").string();
      const long long inputs = doc.at("inputs").integer();
      if (inputs < 0) throw std::runtime_error("inputs below zero");
      h.inputs = static_cast<std::size_t>(inputs);
      auto order = common::decode_index_list(doc.at("order").string(), h.inputs);
      if (!order) throw std::runtime_error("order: not ascending walk indices below " + std::to_string(h.inputs));
      h.order = std::move(*order);
      out.header = std::move(h);
    }
  } catch (const std::exception& e) {
    reader.refuse_here(std::string("a malformed conc-shard record (") + e.what() + ")");
  }
  return out;
}

// What the first reading of a part found.
struct PartScan {
  std::string path;
  Shape shape = Shape::kLines;
  PartHeader header;
  std::vector<std::string> walk_errors;
  std::optional<std::string> held;  // the bytes of a part that cannot be read twice (a pipe)
};

RecordReader::Fill fill_from(common::Input& input, const std::stop_token& stop, std::string* hold) {
  return [&input, stop, hold](std::span<char> buffer) {
    const std::size_t n = input.read(buffer, stop);
    if (stop.stop_requested()) throw std::runtime_error("interrupted");
    if (hold != nullptr) hold->append(buffer.data(), n);
    return n;
  };
}

RecordReader::Fill fill_from(const std::string& bytes) {
  return [&bytes, at = std::size_t{0}](std::span<char> buffer) mutable {
    const std::size_t n = std::min(buffer.size(), bytes.size() - at);
    std::copy_n(bytes.data() + at, n, buffer.data());
    at += n;
    return n;
  };
}

// Reads the header: the first record (json: the second), which sets the shape.
PartHeader read_header(RecordReader& reader) {
  auto first = reader.next();
  if (!first) reader.refuse_here("empty: not a conc hash part");
  if (reader.end() == '\n' && *first == "[") {
    reader.set_shape(Shape::kJson);
    first = reader.next();  // the element after '[' (next() skips nothing more: '[' was raw)
    if (!first) reader.refuse_here("truncated: no header");
  } else if (first->substr(0, kJsonPrefix.size()) == kJsonPrefix) {
    reader.set_shape(Shape::kJsonl);
  } else {
    reader.set_shape(reader.end() == '\0' ? Shape::kZero : Shape::kLines);
  }
  const auto json = shard_json(*first, reader.shape());
  if (!json) reader.refuse_here("not a conc hash part: it does not open with a conc-shard header");
  ShardRecord record = parse_shard_record(*json, reader);
  if (!record.header) reader.refuse_here("not a conc hash part: its first record is no conc-shard header");
  return std::move(*record.header);
}

PartScan scan(const std::string& path, const std::stop_token& stop) {
  PartScan scan;
  scan.path = path;
  std::optional<common::Input> input;
  try {
    input.emplace(common::Input::open(path));
    if (!input->is_regular() || path == "-") scan.held.emplace();
    RecordReader reader(path, fill_from(*input, stop, scan.held ? &*scan.held : nullptr));
    scan.header = read_header(reader);
    scan.shape = reader.shape();
    std::size_t slots = 0;
    while (auto record = reader.next()) {
      if (record->empty()) reader.refuse_here("an empty record: not a result line");
      if (const auto json = shard_json(*record, scan.shape)) {
        const ShardRecord r = parse_shard_record(*json, reader);
        if (r.header) reader.refuse_here("a second conc-shard header");
        if (r.walk_error) {
          if (slots != 0) reader.refuse_here("a walk error among the results");
          scan.walk_errors.push_back(*r.walk_error);
        } else {
          ++slots;
        }
        continue;
      }
      if (scan.shape == Shape::kLines && record->front() == '#') reader.refuse_here("a comment among the results");
      if (scan.shape == Shape::kJson || scan.shape == Shape::kJsonl) {
        try {
          if (!common::Json::parse(*record).is_object()) throw std::runtime_error("not an object");
        } catch (const std::exception& e) {
          reader.refuse_here(std::string("not a json result: ") + e.what());
        }
      }
      ++slots;
    }
    if (slots != scan.header.order.size()) {
      refuse(path, "truncated: it holds " + std::to_string(slots) + " results, its header lists " +
                       std::to_string(scan.header.order.size()));
    }
  } catch (const common::InputError& e) {
    refuse(path, e.what());
  }
  return scan;
}

const char* shape_name(Shape shape) {
  switch (shape) {
    case Shape::kLines: return "text";
    case Shape::kZero: return "text -z";
    case Shape::kJson: return "json";
    case Shape::kJsonl: return "jsonl";
  }
  return "?";
}

// Every check across the parts; returns, for each walk index, its part.
std::vector<std::uint32_t> check_parts(const std::vector<PartScan>& parts) {
  const PartScan& first = parts.front();
  const std::size_t n = first.header.shard.count;
  std::vector<const PartScan*> by_shard(n, nullptr);
  for (const PartScan& p : parts) {
    if (p.header.fingerprint != first.header.fingerprint || p.header.shard.count != n ||
        p.header.inputs != first.header.inputs) {
      refuse(p.path, "from another job than " + common::printable_name(first.path) +
                         " (other inputs or options: the fingerprints differ)");
    }
    if (p.shape != first.shape) {
      refuse(p.path, std::string("written as ") + shape_name(p.shape) + ", " + common::printable_name(first.path) +
                         " as " + shape_name(first.shape));
    }
    const PartScan*& slot = by_shard[p.header.shard.index];
    if (slot != nullptr) {
      refuse(p.path, "shard " + p.header.shard.text() + " again: " + common::printable_name(slot->path) +
                         " is that shard too");
    }
    slot = &p;
  }
  for (std::size_t k = 0; k < n; ++k) {
    if (by_shard[k] == nullptr) {
      throw std::runtime_error("shard " + std::to_string(k) + "/" + std::to_string(n) +
                               " is missing: give every part of the job to --merge");
    }
  }
  constexpr auto kNone = static_cast<std::uint32_t>(-1);
  std::vector<std::uint32_t> owner(first.header.inputs, kNone);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    for (const std::size_t index : parts[i].header.order) {
      if (owner[index] != kNone) refuse(parts[i].path, "lists input " + std::to_string(index) + " another part lists");
      owner[index] = static_cast<std::uint32_t>(i);
    }
  }
  for (std::size_t g = 0; g < owner.size(); ++g) {
    if (owner[g] == kNone) throw std::runtime_error("input " + std::to_string(g) + " of the walk is in no part");
  }
  return owner;
}

}  // namespace

std::string header_record(const PartHeader& header) {
  common::JsonWriter w;
  w.begin_object().key("shard").value(header.shard.text()).key("fingerprint").value(header.fingerprint);
  w.key("inputs").value(static_cast<std::uint64_t>(header.inputs));
  w.key("order").value(common::encode_index_list(header.order)).end_object();
  return w.take();
}

std::string failure_record(std::string_view line) { return one_member("failed", line); }

std::string walk_error_record(std::string_view line) { return one_member("walk_error", line); }

void merge_parts(const std::vector<std::string>& paths, common::Output& out, common::Diagnostics& diag,
                 const std::stop_token& stop) {
  std::vector<PartScan> parts;
  for (const std::string& path : paths) {
    parts.push_back(scan(path, stop));
  }
  const std::vector<std::uint32_t> owner = check_parts(parts);

  // Every part holds what its header promised: now write.
  for (const PartScan& p : parts) {
    for (const std::string& line : p.walk_errors) diag.relay_error(line);
  }
  std::vector<std::optional<common::Input>> inputs(parts.size());
  std::vector<RecordReader> readers;
  readers.reserve(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].held) {
      readers.emplace_back(parts[i].path, fill_from(*parts[i].held));
    } else {
      try {
        inputs[i].emplace(common::Input::open(parts[i].path));
      } catch (const common::InputError& e) {
        refuse(parts[i].path, e.what());
      }
      readers.emplace_back(parts[i].path, fill_from(*inputs[i], stop, nullptr));
    }
    (void)read_header(readers.back());
    for (std::size_t w = 0; w < parts[i].walk_errors.size(); ++w) (void)readers.back().next();
  }
  ResultWriter results(out, format_of(parts.front().shape), LineStyle::kGnu, common::Algo::kSha256,
                       parts.front().shape == Shape::kZero);
  for (const std::uint32_t i : owner) {
    RecordReader& reader = readers[i];
    const auto record = reader.next();
    if (!record) refuse(parts[i].path, "changed while it was merged (it ended early)");
    if (const auto json = shard_json(*record, reader.shape())) {
      const ShardRecord r = parse_shard_record(*json, reader);
      if (!r.failed) reader.refuse_here("changed while it was merged");
      diag.relay_error(*r.failed);
      continue;
    }
    results.add_rendered(*record);
  }
  results.finish();
}

}  // namespace conc::hash
