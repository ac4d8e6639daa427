#include "wordcount/word_table.h"

// XXH3 compiled into this file (a feature of the packaged header): no call
// into the shared library for every word.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace conc::wordcount {
namespace {
constexpr std::size_t kInitialSlots = 16;
constexpr std::size_t kFirstBlock = 4096;
constexpr std::size_t kMaxBlock = 1 << 20;
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
  slots_.assign(slots_.empty() ? kInitialSlots : slots_.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t k = 0; k < entries_.size(); ++k) {
    const Entry& e = entries_[k];
    std::size_t i = e.hash & mask;
    while (slots_[i].len != 0) i = (i + 1) & mask;
    slots_[i] = Slot{head_of(std::string_view(e.key, e.len)), e.len, static_cast<std::uint32_t>(k)};
  }
}

void WordTable::add_hashed(std::string_view word, std::uint64_t hash, std::uint64_t n) {
  if (word.empty()) throw std::invalid_argument("WordTable: empty word");
  if (word.size() > UINT32_MAX) throw std::length_error("WordTable: word longer than 4 GiB");
  if ((entries_.size() + 1) * 2 > slots_.size()) grow();
  total_ += n;
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t head = head_of(word);
  const auto len = static_cast<std::uint32_t>(word.size());
  std::size_t i = hash & mask;
  for (;;) {
    Slot& slot = slots_[i];
    if (slot.len == 0) {
      if (entries_.size() >= UINT32_MAX) throw std::length_error("WordTable: more than 4G distinct words");
      slot = Slot{head, len, static_cast<std::uint32_t>(entries_.size())};
      entries_.push_back(Entry{store(word), len, hash});
      counts_.push_back(n);
      return;
    }
    if (slot.head == head && slot.len == len &&
        (len <= 8 || std::memcmp(entries_[slot.index].key + 8, word.data() + 8, len - 8) == 0)) {
      counts_[slot.index] += n;
      return;
    }
    i = (i + 1) & mask;
  }
}

void WordTable::merge(const WordTable& other) {
  other.for_each([this](std::string_view w, std::uint64_t h, std::uint64_t c) { add_hashed(w, h, c); });
}

}  // namespace conc::wordcount
