// crawl/url_table.h: every URL of a crawl stored once, named by a dense id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace conc::crawl {

/// Interns URLs: each distinct string is copied once into an arena and gets
/// the next dense id (0, 1, 2, ...), which the frontier, the seen set, the
/// link edges and the records all use instead of strings. A 100,000-page
/// site with twenty links a page then holds each URL once, not in three
/// containers, at about its length plus 28 bytes (`bytes_used`).
///
/// Any strings may be interned so (the crawl's content types, errors and
/// fragments are too).
///
/// Guarantees: an id never changes and its string_view stays valid for the
/// table's lifetime (the arena never moves a string). Not thread-safe: the
/// crawl's LinkGraph interns under its lock while a level runs, and the
/// crawl reads and interns only between runs.
class UrlTable {
 public:
  using Id = std::uint32_t;

  UrlTable() = default;
  UrlTable(const UrlTable&) = delete;
  UrlTable& operator=(const UrlTable&) = delete;
  UrlTable(UrlTable&&) noexcept = default;
  UrlTable& operator=(UrlTable&&) noexcept = default;

  /// The id of `url`, and true if it was not in the table before.
  /// Throws std::length_error past 2^32 - 2 URLs.
  std::pair<Id, bool> intern(std::string_view url);
  /// The id of `url` if it is in the table.
  [[nodiscard]] std::optional<Id> find(std::string_view url) const noexcept;
  /// The URL of `id` (which must come from this table).
  [[nodiscard]] std::string_view operator[](Id id) const noexcept { return strings_[id]; }
  [[nodiscard]] std::size_t size() const noexcept { return strings_.size(); }
  /// Heap bytes held: arena, index and hash slots (for bytes-per-URL reports).
  [[nodiscard]] std::size_t bytes_used() const noexcept;

 private:
  static constexpr Id kEmpty = ~Id{0};

  [[nodiscard]] std::size_t slot_of(std::string_view url, std::uint32_t hash) const noexcept;
  std::string_view store(std::string_view url);
  void grow();

  std::vector<std::unique_ptr<char[]>> chunks_;  ///< the arena
  std::size_t chunk_left_ = 0;                   ///< free bytes at the end of the last chunk
  std::size_t arena_bytes_ = 0;
  std::vector<std::string_view> strings_;  ///< by id
  std::vector<std::uint32_t> hashes_;      ///< by id: a cheap first test before comparing strings
  std::vector<Id> slots_;                  ///< open addressing, linear probing, at most half full
};

}  // namespace conc::crawl
