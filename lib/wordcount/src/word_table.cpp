#include "wordcount/word_table.h"

// Inline XXH3 (a feature of the packaged header): the call dominated short words.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace conc::wordcount {
namespace {
constexpr std::size_t kInitialSlots = 16;
constexpr std::uint64_t kTagMask = 0xFFFFFFFF00000000ull;  // the hash's high half
constexpr std::size_t kFirstBlock = 4096;
constexpr std::size_t kMaxBlock = 1 << 20;
// Most words are short: compare them in registers instead of calling memcmp.
inline bool same_bytes(const char* key, std::string_view word) noexcept {
  const std::size_t n = word.size();
  if (n <= 8) {
    std::uint64_t a = 0, b = 0;
    std::memcpy(&a, key, n);
    std::memcpy(&b, word.data(), n);
    return a == b;
  }
  if (n <= 16) {
    std::uint64_t a0, b0, a1, b1;
    std::memcpy(&a0, key, 8);
    std::memcpy(&b0, word.data(), 8);
    std::memcpy(&a1, key + n - 8, 8);
    std::memcpy(&b1, word.data() + n - 8, 8);
    return a0 == b0 && a1 == b1;
  }
  return std::memcmp(key, word.data(), n) == 0;
}

}  // namespace

std::uint64_t hash_word(std::string_view word) noexcept { return XXH3_64bits(word.data(), word.size()); }

const char* WordTable::store(std::string_view word) {
  if (word.size() > block_left_) {
    // Blocks double from 4 KiB to 1 MiB: a small partial table stays small.
    // new char[] leaves them uninitialised (make_unique would zero them).
    const std::size_t next = blocks_.empty() ? kFirstBlock : std::min(kMaxBlock, 2 * block_size_);
    if (word.size() > next / 4) {  // a big word gets a block of its own
      blocks_.emplace_back(new char[word.size()]);
      std::memcpy(blocks_.back().get(), word.data(), word.size());
      return blocks_.back().get();
    }
    blocks_.emplace_back(new char[next]);
    block_size_ = next;
    block_free_ = blocks_.back().get();
    block_left_ = next;
  }
  char* p = block_free_;
  std::memcpy(p, word.data(), word.size());
  block_free_ += word.size();
  block_left_ -= word.size();
  return p;
}

void WordTable::grow() {
  slots_.assign(slots_.empty() ? kInitialSlots : slots_.size() * 2, 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t k = 0; k < entries_.size(); ++k) {
    const std::uint64_t hash = entries_[k].hash;
    std::size_t i = hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = (hash & kTagMask) | (k + 1);
  }
}

void WordTable::add_hashed(std::string_view word, std::uint64_t hash, std::uint64_t n) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  if (word.size() > UINT32_MAX) throw std::length_error("word longer than 4 GiB");
  total_ += n;
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t tag = hash & kTagMask;
  std::size_t i = hash & mask;
  for (;;) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0) {
      entries_.push_back(Entry{store(word), static_cast<std::uint32_t>(word.size()), hash, n});
      slots_[i] = tag | entries_.size();
      ++size_;
      return;
    }
    if ((slot & kTagMask) == tag) {
      Entry& e = entries_[(slot & ~kTagMask) - 1];
      if (e.len == word.size() && same_bytes(e.key, word)) {
        e.count += n;
        return;
      }
    }
    i = (i + 1) & mask;
  }
}

void WordTable::merge(const WordTable& other) {
  other.for_each([this](std::string_view w, std::uint64_t h, std::uint64_t c) { add_hashed(w, h, c); });
}

}  // namespace conc::wordcount
