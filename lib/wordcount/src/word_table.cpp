#include "wordcount/word_table.h"

// XXH3 compiled into this file (a feature of the packaged header): no call
// into the shared library for every long word.
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

namespace detail {
std::uint64_t long_hash(std::string_view word) noexcept { return XXH3_64bits(word.data(), word.size()); }
}  // namespace detail

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

// Puts `slot` in the first empty slot of its probe sequence.
void WordTable::place(const Slot& slot, std::uint64_t hash) noexcept {
  std::size_t i = hash & mask_;
  while (slots_[i].len != 0) i = (i + 1) & mask_;
  slots_[i] = slot;
}

void WordTable::grow() {
  std::vector<Slot> old(slots_.empty() ? kInitialSlots : slots_.size() * 2);
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.len != 0) place(slot, entries_[slot.index].hash);
  }
}

void WordTable::insert(std::string_view word, const WordKey& key, std::uint64_t n) {
  if (word.empty()) throw std::invalid_argument("WordTable: empty word");
  if (word.size() > UINT32_MAX) throw std::length_error("WordTable: word longer than 4 GiB");
  if (entries_.size() >= UINT32_MAX) throw std::length_error("WordTable: more than 4G distinct words");
  if ((entries_.size() + 1) * 2 > slots_.size()) grow();
  // add() found no slot for the word: it goes in the first empty one.
  place(
      Slot{key.head, key.tail, n, static_cast<std::uint32_t>(word.size()), static_cast<std::uint32_t>(entries_.size())},
      key.hash);
  entries_.push_back(Entry{store(word), key.hash});
}

void WordTable::merge(const WordTable& other) {
  other.for_each([this](std::string_view w, const WordKey& k, std::uint64_t c) { add(w, k, c); });
}

}  // namespace conc::wordcount
