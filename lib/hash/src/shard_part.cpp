#include "hash/shard_part.h"

#include <sys/resource.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <utility>

#include "common/input.h"
#include "common/json_reader.h"
#include "common/json_writer.h"
#include "hash/report.h"
#include "record_reader.h"

namespace conc::hash {
namespace {

constexpr std::string_view kJsonPrefix = R"({"conc_shard":)";

std::string one_member(std::string_view key, std::string_view value) {
  common::JsonWriter w;
  w.begin_object().key(key).value(value).end_object();  // lossless: a name may not be UTF-8
  return w.take();
}

Format format_of(Shape shape) {
  return shape == Shape::kJson ? Format::kJson : shape == Shape::kJsonl ? Format::kJsonl : Format::kText;
}

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
      out.failed = common::reported_line(*line, "hash");
    } else if (const auto* walk = doc.find("walk_error")) {
      out.walk_error = common::reported_line(*walk, "hash");
    } else {
      PartHeader h;
      h.shard = common::parse_shard_field(doc.at("shard").string());
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
      // More than the header lists is already wrong: stop reading (a pipe's
      // part is held in memory).
      const auto take_slot = [&] {
        if (slots == scan.header.order.size()) {
          reader.refuse_here("more results than its header lists (" + std::to_string(slots) + "): altered");
        }
        ++slots;
      };
      if (record->empty()) reader.refuse_here("an empty record: not a result line");
      if (const auto json = shard_json(*record, scan.shape)) {
        const ShardRecord r = parse_shard_record(*json, reader);
        if (r.header) reader.refuse_here("a second conc-shard header");
        if (r.walk_error) {
          if (slots != 0) reader.refuse_here("a walk error among the results");
          scan.walk_errors.push_back(*r.walk_error);
        } else {
          take_slot();
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
      take_slot();
    }
    if (slots != scan.header.order.size()) {
      refuse(path, "truncated: it holds " + std::to_string(slots) + " results, its header lists " +
                       std::to_string(scan.header.order.size()));  // fewer: the loop stops at more
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
      refuse(p.path,
             "shard " + p.header.shard.text() + " again: " + common::printable_name(slot->path) + " is that shard too");
    }
    slot = &p;
  }
  for (std::size_t k = 0; k < n; ++k) {
    if (by_shard[k] == nullptr) {
      throw std::runtime_error("shard " + std::to_string(k) + "/" + std::to_string(n) +
                               " is missing: give every part of the job to --merge");
    }
  }
  // The order lists must add up to the inputs before a slot per input is
  // allocated: a header may claim any count.
  std::size_t listed = 0;
  for (const PartScan& p : parts) listed += p.header.order.size();
  if (listed != first.header.inputs) {
    throw std::runtime_error("the parts list " + std::to_string(listed) + " inputs between them, their headers say " +
                             std::to_string(first.header.inputs) + ": a part was altered");
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

// The second reading holds every part open at once: raise the soft limit
// on open files as far as the hard one allows, should the parts need it.
void allow_open_files(std::size_t parts) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= parts + 64) return;
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, parts + 64);
  (void)::setrlimit(RLIMIT_NOFILE, &limit);  // else the opens that fail say "Too many open files"
}

}  // namespace

ShardJobs plan_shard(std::vector<Job> jobs, common::Shard shard, const common::DigestSpec& digest,
                     std::string_view output_shape) {
  common::Fingerprint fp;
  fp.add("conc hash --shard, part format 1").add(shard.count).add(output_shape);
  fp.add(common::info(digest.algo).name).add(digest.output_bytes()).add(static_cast<std::uint64_t>(digest.mode));
  fp.add(std::string_view(reinterpret_cast<const char*>(digest.key.data()), digest.key.size()));
  fp.add(jobs.size());
  std::vector<std::uint64_t> sizes;
  sizes.reserve(jobs.size());
  for (const Job& job : jobs) {
    fp.add(job.path).add(job.size).add(job.is_stdin ? 1 : 0);
    sizes.push_back(job.size);
  }
  const auto shard_of = common::deal_by_cost(sizes, shard.count, kFileCost);
  ShardJobs out;
  out.header = {shard, fp.hex(), jobs.size(), {}};
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (shard_of[i] != shard.index) continue;
    out.header.order.push_back(i);
    out.jobs.push_back(std::move(jobs[i]));
  }
  if (header_record(out.header).size() + 64 > kMaxHeaderRecord) {
    throw std::runtime_error("shard " + shard.text() + " has " + std::to_string(out.jobs.size()) +
                             " files, more than one part's header can list: use more shards");
  }
  return out;
}

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
  parts.reserve(paths.size());
  for (const std::string& path : paths) parts.push_back(scan(path, stop));
  const std::vector<std::uint32_t> owner = check_parts(parts);

  // Every part holds what its header promised: now write.
  for (const PartScan& p : parts) {
    for (const std::string& line : p.walk_errors) diag.relay_error(line);
  }
  allow_open_files(parts.size());
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
