// wordcount/word_table.h: word -> count, the hot data structure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace conc::wordcount {

/// The 64-bit hash every table and partitioning uses (XXH3, which has a
/// fast path for the short inputs words are).
std::uint64_t hash_word(std::string_view word) noexcept;

/// An open-addressing hash table from words to counts, single-threaded.
///
/// A lookup should touch as little memory as possible: each 16-byte probe
/// slot holds the word's length and first 8 bytes, so a word of at most 8
/// bytes (most words) is recognised from the slot alone, and its count, kept
/// in a dense array, is incremented without a dependent load. Longer words
/// compare their tail against a copy in an arena of blocks (no allocation
/// per word). The probe array is a power of two kept at most half full.
/// Memory grows with the distinct words, never with the input. Words must
/// not be empty.
class WordTable {
 public:
  WordTable() = default;
  WordTable(WordTable&&) noexcept = default;
  WordTable& operator=(WordTable&&) noexcept = default;

  void add(std::string_view word, std::uint64_t n = 1) { add_hashed(word, hash_word(word), n); }
  void add_hashed(std::string_view word, std::uint64_t hash, std::uint64_t n);
  /// Adds every entry of `other`.
  void merge(const WordTable& other);

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::uint64_t total() const noexcept { return total_; }

  /// Calls f(word, hash, count) for every entry, in insertion order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      f(std::string_view(entries_[i].key, entries_[i].len), entries_[i].hash, counts_[i]);
    }
  }

 private:
  struct Slot {
    std::uint64_t head = 0;  ///< the word's first 8 bytes, zero-padded
    std::uint32_t len = 0;   ///< 0: empty slot
    std::uint32_t index = 0; ///< into entries_ and counts_
  };
  struct Entry {
    const char* key;
    std::uint32_t len;
    std::uint64_t hash;
  };
  static std::uint64_t head_of(std::string_view word) noexcept {
    std::uint64_t head = 0;
    std::memcpy(&head, word.data(), word.size() < 8 ? word.size() : 8);
    return head;
  }
  const char* store(std::string_view word);
  void grow();

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_size_ = 0;
  char* block_free_ = nullptr;
  std::size_t block_left_ = 0;
};

}  // namespace conc::wordcount
