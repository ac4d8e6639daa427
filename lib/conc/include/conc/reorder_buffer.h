// conc/reorder_buffer.h: items that finish in any order, handed back in sequence order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>

namespace conc {

/// The end of an ordered fan-in: items numbered 0, 1, 2... by their producer
/// arrive in any order; `pop()` returns them strictly in that order, each
/// once. Holds only the items that arrived before their turn. Not
/// thread-safe: owned by the one consumer that restores the order.
template <class T>
class ReorderBuffer {
 public:
  void push(std::uint64_t seq, T item) { early_.emplace(seq, std::move(item)); }

  /// The next item in sequence, or nullopt while it has not arrived.
  std::optional<T> pop() {
    const auto it = early_.begin();
    if (it == early_.end() || it->first != next_) return std::nullopt;
    T item = std::move(it->second);
    early_.erase(it);
    ++next_;
    return item;
  }

  /// Sequence number of the item `pop()` waits for.
  [[nodiscard]] std::uint64_t next() const noexcept { return next_; }

 private:
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, T> early_;
};

}  // namespace conc
