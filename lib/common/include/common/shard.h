// common/shard.h: one node's share of a job split N ways (`--shard K/N`),
// decided from the input alone, so that every node of a job array computes
// the same split without talking to the others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conc::common {

/// The most shards a job may be split into: AWS Batch's largest array
/// (Slurm's default MaxArraySize is 1001). A merge holds every part open
/// with a block of it in memory, so N is bounded.
inline constexpr std::size_t kMaxShards = 10'000;

/// Shard `index` of `count`: 0 <= index < count.
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
  /// "K/N", as --shard takes it.
  [[nodiscard]] std::string text() const;
  friend bool operator==(const Shard&, const Shard&) = default;
};

/// Parses `--shard`'s value, "K/N" in decimal digits with 0 <= K < N <=
/// kMaxShards. On failure returns nothing and sets `error` to the reason
/// ("K must be below N: shards are numbered from 0", ...).
std::optional<Shard> parse_shard(std::string_view text, std::string& error);

/// parse_shard for a value read back from a part: throws
/// std::runtime_error ("shard: <reason>") when it is no K/N.
Shard parse_shard_field(std::string_view text);

class Json;
/// An error line a shard recorded in its part, read back (a JSON string,
/// common::lossless_bytes) for the merge to relay as it is: throws
/// std::runtime_error unless it is a line of `conc <subcommand>`'s own, so
/// that a hand edit cannot have the merge print any text, an empty line or
/// one naming no input.
std::string reported_line(const Json& value, std::string_view subcommand);

/// Deals items to `shards` shards, balancing their load: the items are
/// taken biggest first (ties: the lower index first), each given to the
/// least-loaded shard so far (ties: the lower shard). An item's load is its
/// `cost` plus `per_item`, the fixed cost of any item (opening a file), so
/// that many empty items spread too. Returns each item's shard. The same
/// costs give the same answer on every machine.
std::vector<std::uint32_t> deal_by_cost(std::span<const std::uint64_t> costs, std::size_t shards,
                                        std::uint64_t per_item);

/// Shard `shard`'s part of `total` bytes laid end to end: [begin, end), the
/// N parts adjoining and covering [0, total), each total/N bytes give or
/// take one.
std::pair<std::uint64_t, std::uint64_t> byte_share(std::uint64_t total, Shard shard) noexcept;

/// Ascending indices written compactly: the first, then each gap to the
/// next, comma-separated ("3,1,4" is {3, 4, 8}); "" for none.
std::string encode_index_list(std::span<const std::size_t> ascending);
/// Reads what encode_index_list wrote; nothing if malformed, or if an index
/// would reach `limit`.
std::optional<std::vector<std::size_t>> decode_index_list(std::string_view text, std::size_t limit);

/// A digest of what decides a shard's work and output (the walked inputs,
/// the options), so that parts of different jobs are never merged: fields
/// are length-prefixed, so no two field lists collide by concatenation.
class Fingerprint {
 public:
  Fingerprint& add(std::string_view field);
  Fingerprint& add(std::uint64_t number);
  /// 32 hex digits: the first 128 bits of SHA-256 over the fields.
  [[nodiscard]] std::string hex() const;

 private:
  std::string bytes_;
};

}  // namespace conc::common
