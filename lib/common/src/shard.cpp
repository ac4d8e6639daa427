#include "common/shard.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <numeric>
#include <queue>
#include <stdexcept>

#include "common/diagnostics.h"
#include "common/digest.h"
#include "common/json_reader.h"
#include "common/saturating.h"

namespace conc::common {
namespace {

std::optional<std::size_t> parse_count(std::string_view digits) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string Shard::text() const { return std::to_string(index) + "/" + std::to_string(count); }

std::optional<Shard> parse_shard(std::string_view text, std::string& error) {
  // The text may come from a part's header as well as from the command line:
  // escaped, it cannot break the one-line message in two.
  const std::string got = ", got '" + printable_name(text) + "'";
  const std::size_t slash = text.find('/');
  const auto k = slash == std::string_view::npos ? std::nullopt : parse_count(text.substr(0, slash));
  const auto n = slash == std::string_view::npos ? std::nullopt : parse_count(text.substr(slash + 1));
  if (!k || !n || text.find_first_not_of("0123456789/") != std::string_view::npos) {
    error = "expected K/N, two whole numbers with 0 <= K < N (shard K of N, numbered from 0)" + got;
    return std::nullopt;
  }
  if (*n == 0 || *n > kMaxShards) {
    error = "N must be from 1 to " + std::to_string(kMaxShards) + got;
    return std::nullopt;
  }
  if (*k >= *n) {
    error = "K must be below N (shards are numbered from 0 to N-1)" + got;
    return std::nullopt;
  }
  return Shard{*k, *n};
}

std::string reported_line(const Json& value, std::string_view subcommand) {
  std::string line = lossless_bytes(value);
  const std::string own = "conc " + std::string(subcommand) + ": ";
  if (line.size() <= own.size() || line.compare(0, own.size(), own) != 0) {
    throw std::runtime_error("a reported error that is not a line of conc " + std::string(subcommand) + "'s");
  }
  return line;
}

Shard parse_shard_field(std::string_view text) {
  std::string error;
  const auto shard = parse_shard(text, error);
  if (!shard) throw std::runtime_error("shard: " + error);
  return *shard;
}

std::vector<std::uint32_t> deal_by_cost(std::span<const std::uint64_t> costs, std::size_t shards,
                                        std::uint64_t per_item) {
  std::vector<std::size_t> order(costs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
  // (load, shard), the least loaded on top, the lower shard first among equals.
  using Load = std::pair<std::uint64_t, std::uint32_t>;
  std::priority_queue<Load, std::vector<Load>, std::greater<>> least;
  for (std::size_t s = 0; s < shards; ++s) least.emplace(0, static_cast<std::uint32_t>(s));
  std::vector<std::uint32_t> shard_of(costs.size(), 0);
  for (const std::size_t i : order) {
    auto [load, shard] = least.top();
    least.pop();
    shard_of[i] = shard;
    least.emplace(saturating_add(load, saturating_add(costs[i], per_item)), shard);
  }
  return shard_of;
}

std::pair<std::uint64_t, std::uint64_t> byte_share(std::uint64_t total, Shard shard) noexcept {
  // total * k / N without overflow: N and k are at most 10^4, so r * k fits.
  const std::uint64_t q = total / shard.count;
  const std::uint64_t r = total % shard.count;
  const auto at = [&](std::uint64_t k) { return q * k + r * k / shard.count; };
  return {at(shard.index), at(shard.index + 1)};
}

std::string encode_index_list(std::span<const std::size_t> ascending) {
  std::string out;
  std::size_t previous = 0;
  for (std::size_t i = 0; i < ascending.size(); ++i) {
    if (i != 0) out += ',';
    out += std::to_string(ascending[i] - previous);
    previous = ascending[i];
  }
  return out;
}

std::optional<std::vector<std::size_t>> decode_index_list(std::string_view text, std::size_t limit) {
  std::vector<std::size_t> out;
  std::size_t at = 0;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const auto gap = parse_count(text.substr(0, comma));
    // Indices ascend strictly: every gap but the first is at least 1.
    if (!gap || (!out.empty() && *gap == 0) || *gap >= limit - std::min(at, limit)) return std::nullopt;
    at += *gap;
    out.push_back(at);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return std::nullopt;  // a trailing comma
  }
  return out;
}

Fingerprint& Fingerprint::add(std::string_view field) {
  bytes_ += std::to_string(field.size());
  bytes_ += ':';
  bytes_ += field;
  return *this;
}

Fingerprint& Fingerprint::add(std::uint64_t number) { return add(std::to_string(number)); }

std::string Fingerprint::hex() const {
  Digest digest(Algo::kSha256);
  digest.update(bytes_.data(), bytes_.size());
  return digest.hex().substr(0, 32);
}

}  // namespace conc::common
