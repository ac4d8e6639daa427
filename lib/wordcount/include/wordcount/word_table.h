// wordcount/word_table.h: word -> count, the hot data structure.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace conc::wordcount {

static_assert(std::endian::native == std::endian::little, "WordKey packs bytes little-endian");

/// What a table needs to find a word: its first 16 bytes, zero-padded, as
/// two integers, and its 64-bit hash. Built in registers, never through
/// memory: a word read back as one integer after smaller stores stalls on
/// store forwarding, which once cost a quarter of the counting time.
struct WordKey {
  std::uint64_t head = 0;  ///< bytes 0-7
  std::uint64_t tail = 0;  ///< bytes 8-15
  std::uint64_t hash = 0;
};

/// key_of_padded() may read this many bytes from a word's start, past its end.
inline constexpr std::size_t kWordPadding = 16;

namespace detail {

// p[0, n) for n in 1..8 as a little-endian integer, zero above; reads only
// those bytes (two overlapping loads, or three single bytes).
inline std::uint64_t load_upto8(const char* p, std::size_t n) noexcept {
  if (n >= 4) {
    std::uint32_t lo = 0;
    std::uint32_t hi = 0;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (std::uint64_t{hi} << (8 * (n - 4)));
  }
  const auto byte = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
  return byte(0) | (byte(n >> 1) << (8 * (n >> 1))) | (byte(n - 1) << (8 * (n - 1)));
}

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  return v;
}

// The low n bytes of a 64-bit word, n in 0..8.
inline constexpr std::uint64_t kLowBytes[9] = {
    0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, ~0ull};

// The folded 128-bit product (wyhash's "mum"): every output bit depends on
// every input bit, in one multiplication.
__extension__ using Uint128 = unsigned __int128;  // GCC and Clang have it on 64-bit targets
inline std::uint64_t mum(std::uint64_t a, std::uint64_t b) noexcept {
  const Uint128 m = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
}

inline std::uint64_t short_hash(std::uint64_t head, std::uint64_t tail, std::size_t n) noexcept {
  return mum(head ^ 0x9e3779b97f4a7c15ull, tail ^ 0xd6e8feb86659fd93ull ^ n);
}

std::uint64_t long_hash(std::string_view word) noexcept;  // XXH3, for words over 16 bytes

}  // namespace detail

/// The key of a word. Words of up to 16 bytes (nearly all) are hashed inline
/// from their bytes and length; longer ones with XXH3.
inline WordKey key_of(std::string_view word) noexcept {
  const char* p = word.data();
  const std::size_t n = word.size();
  if (n == 0) return {};
  if (n > 16) return {detail::load8(p), detail::load8(p + 8), detail::long_hash(word)};
  const std::uint64_t head = n > 8 ? detail::load8(p) : detail::load_upto8(p, n);
  const std::uint64_t tail = n > 8 ? detail::load_upto8(p + 8, n - 8) : 0;
  return {head, tail, detail::short_hash(head, tail, n)};
}

/// key_of(word) for a non-empty word followed by readable memory: it reads
/// kWordPadding bytes from the word's start whatever its length and masks
/// the excess, so the word's length costs no branch (word lengths follow no
/// pattern a predictor could learn).
inline WordKey key_of_padded(std::string_view word) noexcept {
  const std::size_t n = word.size();
  if (n > 16) [[unlikely]]
    return key_of(word);
  const std::uint64_t head = detail::load8(word.data()) & detail::kLowBytes[n < 8 ? n : 8];
  const std::uint64_t tail = detail::load8(word.data() + 8) & detail::kLowBytes[n > 8 ? n - 8 : 0];
  return {head, tail, detail::short_hash(head, tail, n)};
}

/// The 64-bit hash every table and partitioning uses.
inline std::uint64_t hash_word(std::string_view word) noexcept { return key_of(word).hash; }

/// An open-addressing hash table from words to counts, single-threaded.
///
/// A lookup should touch one cache line: each 32-byte probe slot holds the
/// word's length, its first 16 bytes and its count, so a word of up to 16
/// bytes (nearly every word) is found and counted from the slot alone.
/// Longer words also compare their rest against a copy in an arena of
/// blocks (no allocation per word). The probe array is a power of two kept
/// at most half full. Memory grows with the distinct words, never with the
/// input. Words must not be empty.
class WordTable {
 public:
  WordTable() = default;
  WordTable(WordTable&&) noexcept = default;
  WordTable& operator=(WordTable&&) noexcept = default;

  void add(std::string_view word, std::uint64_t n = 1) { add(word, key_of(word), n); }
  /// As add(word, n), with `key == key_of(word)` already computed.
  void add(std::string_view word, const WordKey& key, std::uint64_t n) {
    if (const std::size_t i = find(word, key); i != kAbsent) {
      slots_[i].count += n;
      return;
    }
    insert(word, key, n);
  }
  /// As add(word, n), unless the word's count would pass UINT64_MAX: then
  /// nothing changes and false is returned (--merge sums counts it did not
  /// make, so a sum that wraps must be caught, not printed).
  [[nodiscard]] bool add_checked(std::string_view word, std::uint64_t n) {
    const std::uint64_t now = count_of(word);
    if (n > UINT64_MAX - now) return false;
    add(word, n);
    return true;
  }
  /// The count of `word`, 0 when absent.
  [[nodiscard]] std::uint64_t count_of(std::string_view word) const {
    const std::size_t i = find(word, key_of(word));
    return i == kAbsent ? 0 : slots_[i].count;
  }
  /// Brings the slot a lookup of `key` starts at towards the cache: issued a
  /// few words ahead of add(), it overlaps the misses of consecutive words.
  void prefetch(const WordKey& key) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[key.hash & mask_], 1);
  }
  /// Adds every entry of `other`.
  void merge(const WordTable& other);

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

  /// Calls f(word, key, count) for every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const Slot& slot : slots_) {
      if (slot.len == 0) continue;
      const Entry& e = entries_[slot.index];
      f(std::string_view(e.key, slot.len), WordKey{slot.head, slot.tail, e.hash}, slot.count);
    }
  }

 private:
  struct alignas(32) Slot {
    std::uint64_t head = 0;  ///< bytes 0-7 of the word, zero-padded
    std::uint64_t tail = 0;  ///< bytes 8-15, zero-padded
    std::uint64_t count = 0;
    std::uint32_t len = 0;    ///< 0: empty slot
    std::uint32_t index = 0;  ///< into entries_
  };
  struct Entry {
    const char* key;
    std::uint64_t hash;
  };
  bool same_rest(std::uint32_t index, std::string_view word) const noexcept {
    return std::memcmp(entries_[index].key + 16, word.data() + 16, word.size() - 16) == 0;
  }
  static constexpr std::size_t kAbsent = SIZE_MAX;
  /// The index of the slot holding `word` (with `key == key_of(word)`), or kAbsent.
  std::size_t find(std::string_view word, const WordKey& key) const noexcept {
    const auto len = static_cast<std::uint32_t>(word.size());
    if (len != word.size() || len == 0 || slots_.empty()) return kAbsent;
    for (std::size_t i = key.hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.head == key.head && slot.tail == key.tail && slot.len == len &&
          (len <= 16 || same_rest(slot.index, word))) {
        return i;
      }
      if (slot.len == 0) return kAbsent;
    }
  }
  void insert(std::string_view word, const WordKey& key, std::uint64_t n);  // the slow path
  void place(const Slot& slot, std::uint64_t hash) noexcept;
  const char* store(std::string_view word);
  void grow();

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::vector<Entry> entries_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_size_ = 0;
  char* block_free_ = nullptr;
  std::size_t block_left_ = 0;
};

/// Adds words to a WordTable a few lookups late: each word's slot is
/// prefetched when the word arrives and looked up `kDepth` words later, so
/// the cache misses of consecutive words overlap instead of following one
/// another. Each word must be non-empty, followed by kWordPadding readable
/// bytes from its start, and stay valid until flush() (or destruction).
class PrefetchingAdder {
 public:
  static constexpr std::size_t kDepth = 16;

  explicit PrefetchingAdder(WordTable& table) noexcept : table_(table) {}
  PrefetchingAdder(const PrefetchingAdder&) = delete;
  PrefetchingAdder& operator=(const PrefetchingAdder&) = delete;
  // Only a table that cannot grow throws here (out of memory or 4G distinct
  // words), and terminating is then no worse than unwinding half-counted.
  ~PrefetchingAdder() { flush(); }  // NOLINT(bugprone-exception-escape)

  void add(std::string_view word) {
    const WordKey key = key_of_padded(word);
    table_.prefetch(key);
    Pending& slot = pending_[next_ % kDepth];
    if (next_ >= kDepth) table_.add(slot.word, slot.key, 1);
    slot = Pending{word, key};
    ++next_;
  }
  /// Adds the words still waiting, oldest first.
  void flush() {
    const std::size_t waiting = next_ < kDepth ? next_ : kDepth;
    for (std::size_t k = next_ - waiting; k < next_; ++k) {
      const Pending& p = pending_[k % kDepth];
      table_.add(p.word, p.key, 1);
    }
    next_ = 0;
  }

 private:
  struct Pending {
    std::string_view word;
    WordKey key;
  };
  WordTable& table_;
  Pending pending_[kDepth];
  std::size_t next_ = 0;  ///< words given so far
};

}  // namespace conc::wordcount
