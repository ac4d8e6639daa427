// wordcount/word_table.h: word -> count, the hot data structure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace conc::wordcount {

/// The 64-bit hash every table and partitioning uses (XXH3, which has a
/// fast path for the short inputs words are).
std::uint64_t hash_word(std::string_view word) noexcept;

/// An open-addressing hash table from words to counts, single-threaded.
///
/// The probe array holds 8-byte slots (32 bits of the hash as a tag, and the
/// index of a dense entry), kept at most half full, so the part every lookup
/// touches stays small enough for the cache; the entries themselves (word,
/// hash, count) sit densely in insertion order, and words are copied once
/// into an arena of blocks: no allocation per word. Memory grows with the
/// distinct words, never with the input.
class WordTable {
 public:
  WordTable() = default;
  WordTable(WordTable&&) noexcept = default;
  WordTable& operator=(WordTable&&) noexcept = default;

  void add(std::string_view word, std::uint64_t n = 1) { add_hashed(word, hash_word(word), n); }
  void add_hashed(std::string_view word, std::uint64_t hash, std::uint64_t n);
  /// Adds every entry of `other`.
  void merge(const WordTable& other);

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::uint64_t total() const noexcept { return total_; }

  /// Calls f(word, hash, count) for every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const Entry& e : entries_) f(std::string_view(e.key, e.len), e.hash, e.count);
  }

 private:
  struct Entry {
    const char* key = nullptr;
    std::uint32_t len = 0;
    std::uint64_t hash = 0;
    std::uint64_t count = 0;
  };
  const char* store(std::string_view word);
  void grow();

  std::vector<std::uint64_t> slots_;  // 0: empty; else tag << 32 | (entry index + 1)
  std::vector<Entry> entries_;
  std::size_t size_ = 0;
  std::uint64_t total_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_size_ = 0;
  char* block_free_ = nullptr;
  std::size_t block_left_ = 0;
};

}  // namespace conc::wordcount
