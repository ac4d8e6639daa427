#include "crawl/url_table.h"

#include <xxhash.h>

#include <cstring>
#include <stdexcept>

namespace conc::crawl {
namespace {

constexpr std::size_t kChunkBytes = 64 << 10;  // most URLs are far shorter: little waste at a chunk's end
constexpr std::size_t kFirstSlots = 1024;

std::uint32_t hash_of(std::string_view url) noexcept {
  return static_cast<std::uint32_t>(XXH3_64bits(url.data(), url.size()));
}

}  // namespace

std::pair<UrlTable::Id, bool> UrlTable::intern(std::string_view url) {
  if (slots_.empty()) slots_.assign(kFirstSlots, kEmpty);
  const std::uint32_t hash = hash_of(url);
  std::size_t slot = slot_of(url, hash);
  if (slots_[slot] != kEmpty) return {slots_[slot], false};
  if (strings_.size() >= kEmpty - 1) throw std::length_error("more URLs than a crawl can name");
  if (2 * (strings_.size() + 1) > slots_.size()) {
    grow();
    slot = slot_of(url, hash);
  }
  const auto id = static_cast<Id>(strings_.size());
  strings_.push_back(store(url));
  hashes_.push_back(hash);
  slots_[slot] = id;
  return {id, true};
}

std::optional<UrlTable::Id> UrlTable::find(std::string_view url) const noexcept {
  if (slots_.empty()) return std::nullopt;
  const Id id = slots_[slot_of(url, hash_of(url))];
  if (id == kEmpty) return std::nullopt;
  return id;
}

std::size_t UrlTable::bytes_used() const noexcept {
  return arena_bytes_ + chunks_.capacity() * sizeof(chunks_[0]) + strings_.capacity() * sizeof(strings_[0]) +
         hashes_.capacity() * sizeof(hashes_[0]) + slots_.capacity() * sizeof(slots_[0]);
}

// The slot holding `url`, or the empty slot where it would go.
std::size_t UrlTable::slot_of(std::string_view url, std::uint32_t hash) const noexcept {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Id id = slots_[i];
    if (id == kEmpty || (hashes_[id] == hash && strings_[id] == url)) return i;
  }
}

std::string_view UrlTable::store(std::string_view url) {
  if (url.empty()) return {};  // nothing to keep, and maybe no chunk yet
  if (url.size() > kChunkBytes) {
    // A chunk of its own, kept behind the current chunk, whose free tail
    // the next short URLs still use.
    auto own = std::make_unique<char[]>(url.size());
    std::memcpy(own.get(), url.data(), url.size());
    const std::string_view s(own.get(), url.size());
    arena_bytes_ += url.size();
    chunks_.insert(chunks_.empty() ? chunks_.end() : chunks_.end() - 1, std::move(own));
    return s;
  }
  if (url.size() > chunk_left_) {
    chunks_.push_back(std::make_unique<char[]>(kChunkBytes));
    arena_bytes_ += kChunkBytes;
    chunk_left_ = kChunkBytes;
  }
  char* at = chunks_.back().get() + (kChunkBytes - chunk_left_);
  std::memcpy(at, url.data(), url.size());
  chunk_left_ -= url.size();
  return {at, url.size()};
}

void UrlTable::grow() {
  std::vector<Id> bigger(slots_.size() * 2, kEmpty);
  const std::size_t mask = bigger.size() - 1;
  for (Id id = 0; id < strings_.size(); ++id) {
    std::size_t i = hashes_[id] & mask;
    while (bigger[i] != kEmpty) i = (i + 1) & mask;
    bigger[i] = id;
  }
  slots_.swap(bigger);
}

}  // namespace conc::crawl
