#include "wordcount/shard.h"

#include <map>
#include <optional>
#include <stdexcept>

#include "common/json_reader.h"
#include "common/json_writer.h"
#include "common/saturating.h"

namespace conc::wordcount {
namespace {

// Refusals name the input as every diagnostic does.
[[noreturn]] void refuse(const std::string& input, const std::string& reason) {
  throw std::runtime_error(common::printable_name(input) + ": " + reason);
}

std::uint64_t count_of(const common::Json& doc, std::string_view key) {
  const long long n = doc.at(key).integer();
  if (n < 0) throw std::runtime_error(std::string(key) + " below zero");
  return static_cast<std::uint64_t>(n);
}

}  // namespace

std::string format_shard_header(const ShardHeader& header) {
  common::JsonWriter w;
  w.begin_object().key("shard").value(header.shard.text()).key("fingerprint").value(header.fingerprint);
  w.key("words").value(header.totals.words).key("distinct").value(header.totals.distinct);
  w.key("bytes").value(header.totals.bytes).key("lines").value(header.totals.lines).end_object();
  return std::string(kShardHeaderStart) + w.take();
}

std::string format_shard_error(std::string_view line, bool walk) {
  common::JsonWriter w;
  w.begin_object().key(walk ? "walk_error" : "failed").value(line).end_object();  // lossless: names may not be UTF-8
  return std::string(kShardHeaderStart) + w.take();
}

ShardRecord parse_shard_record(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const common::Json doc = common::Json::parse(line.substr(kShardHeaderStart.size()));
  ShardRecord record;
  if (const auto* failed = doc.find("failed")) {
    record.error = common::reported_line(*failed, "wordcount");
    return record;
  }
  if (const auto* walk = doc.find("walk_error")) {
    record.error = common::reported_line(*walk, "wordcount");
    record.walk = true;
    return record;
  }
  ShardHeader h;
  h.shard = common::parse_shard_field(doc.at("shard").string());
  h.fingerprint = doc.at("fingerprint").string();
  h.totals.words = count_of(doc, "words");
  h.totals.distinct = count_of(doc, "distinct");
  h.totals.bytes = count_of(doc, "bytes");
  h.totals.lines = count_of(doc, "lines");
  record.header = std::move(h);
  return record;
}

ShardPlan plan_shard(const std::vector<common::InputFile>& inputs, common::Shard shard,
                     const TokenizerOptions& tokenizer, std::size_t max_word) {
  ShardPlan plan;
  common::Fingerprint fp;
  fp.add("conc wordcount --shard, part format 1").add(shard.count);
  fp.add(static_cast<std::uint64_t>(tokenizer.mode)).add(tokenizer.fold_case ? 1 : 0).add(max_word);
  std::uint64_t total = 0;
  for (const auto& in : inputs) {
    fp.add(in.path).add(in.size).add(in.is_stdin ? 1 : 0);
    total += in.size;
  }
  plan.fingerprint = fp.hex();
  const auto [begin, end] = common::byte_share(total, shard);
  const bool last = shard.index + 1 == shard.count;
  std::uint64_t at = 0;  // where the input starts, all inputs laid end to end
  for (const auto& in : inputs) {
    const std::uint64_t from = std::max(begin, at);
    const std::uint64_t to = std::min(end, at + in.size);
    // An input of size 0 sits at `at`: the share holding that byte has it,
    // the last share when it lies at the very end.
    const bool holds_start = (begin <= at && at < end) || (last && at == total);
    if (in.size == 0 ? holds_start : from < to) {
      plan.inputs.push_back(in);
      plan.windows.push_back({from - std::min(from, at), to - std::min(to, at)});
    }
    at += in.size;
  }
  return plan;
}

std::optional<ShardJob> check_shard_parts(const std::vector<MergeTally>& inputs) {
  const MergeTally* first = nullptr;
  for (const auto& in : inputs) {
    if (!in.headers.empty()) {
      first = &in;
      break;
    }
  }
  if (first == nullptr) return std::nullopt;
  const ShardHeader& job = first->headers.front();
  std::map<std::size_t, const MergeTally*> seen;
  Totals want;  // what the headers promise, all together
  std::uint64_t lines = 0;
  std::uint64_t sum = 0;
  for (const auto& in : inputs) {
    if (in.headers.empty()) refuse(in.name, "no conc-shard header, yet other inputs are parts of a --shard job");
    if (in.unterminated_line != 0) {
      refuse(in.name + ":" + std::to_string(in.unterminated_line), "truncated line (no newline at the end)");
    }
    Totals own;
    for (const auto& h : in.headers) {
      if (h.fingerprint != job.fingerprint || h.shard.count != job.shard.count) {
        refuse(in.name, "shard " + h.shard.text() + " is from another job than " + common::printable_name(first->name) +
                            "'s (other inputs or options: the fingerprints differ)");
      }
      const auto [at, fresh] = seen.emplace(h.shard.index, &in);
      if (!fresh) {
        refuse(in.name,
               "shard " + h.shard.text() + " again: " + common::printable_name(at->second->name) + " holds it too");
      }
      own.words = common::saturating_add(own.words, h.totals.words);
      own.distinct = common::saturating_add(own.distinct, h.totals.distinct);
      own.bytes = common::saturating_add(own.bytes, h.totals.bytes);
      own.lines = common::saturating_add(own.lines, h.totals.lines);
    }
    if (in.headers.size() == 1 && (in.count_lines != own.distinct || in.count_sum != own.words)) {
      refuse(in.name, "truncated or altered: it holds " + std::to_string(in.count_lines) + " counts summing to " +
                          std::to_string(in.count_sum) + ", its header says " + std::to_string(own.distinct) +
                          " summing to " + std::to_string(own.words));
    }
    want.words = common::saturating_add(want.words, own.words);
    want.distinct = common::saturating_add(want.distinct, own.distinct);
    want.bytes = common::saturating_add(want.bytes, own.bytes);
    want.lines = common::saturating_add(want.lines, own.lines);
    lines = common::saturating_add(lines, in.count_lines);
    sum = common::saturating_add(sum, in.count_sum);
  }
  for (std::size_t k = 0; k < job.shard.count; ++k) {
    if (seen.find(k) == seen.end()) {
      throw std::runtime_error("shard " + std::to_string(k) + "/" + std::to_string(job.shard.count) +
                               " is missing: give every part of the job to --merge");
    }
  }
  if (lines != want.distinct || sum != want.words) {
    throw std::runtime_error("the parts hold " + std::to_string(lines) + " counts summing to " + std::to_string(sum) +
                             ", their headers say " + std::to_string(want.distinct) + " summing to " +
                             std::to_string(want.words) + ": a part is truncated or altered");
  }
  // After every sum, which blame an altered part: a malformed line may be
  // all that is wrong with its part, and a count that passes 2^64-1 may
  // sit in a sound part that another part's altered count pushed over.
  for (const LineFault MergeTally::*fault : {&MergeTally::malformed, &MergeTally::overflow}) {
    for (const auto& in : inputs) {
      const LineFault& f = in.*fault;
      if (f.line != 0) refuse(in.name + ":" + std::to_string(f.line), f.reason);
    }
  }
  ShardJob out{want, {}};
  for (const auto& in : inputs) out.errors.insert(out.errors.end(), in.walk_errors.begin(), in.walk_errors.end());
  for (const auto& in : inputs) out.errors.insert(out.errors.end(), in.failures.begin(), in.failures.end());
  return out;
}

}  // namespace conc::wordcount
