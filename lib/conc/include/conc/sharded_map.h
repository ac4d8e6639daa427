// conc/sharded_map.h: a hash map split into independently locked shards.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "conc/cache_line.h"
#include "conc/mutex.h"
#include "conc/thread_annotations.h"

namespace conc {

/// A concurrent hash map made of `shards` ordinary `unordered_map`s, each
/// behind its own `conc::SharedMutex` (lock striping; not std::shared_mutex,
/// whose writers spin when oversubscribed: see conc/mutex.h).
///
/// A key always lives in shard `hash(key) % shards`, so operations on keys in
/// different shards never contend, and readers of one shard run in parallel.
/// Each operation is atomic with respect to its key. Whole-map operations
/// (`size`, `for_each`) lock one shard at a time, so they see each shard
/// consistently but not the map as one snapshot.
///
/// `Hash` and `Equal` may be transparent (define `is_transparent`), in which
/// case lookups take any type they accept, such as `std::string_view` for
/// `std::string` keys, without building a key.
template <class K, class V, class Hash = std::hash<K>, class Equal = std::equal_to<K>>
class ShardedMap {
 public:
  explicit ShardedMap(std::size_t shards = 64) : shards_(shards == 0 ? 1 : shards) {}

  /// Runs `f(V&)` on the value of `key` under the shard's exclusive lock,
  /// inserting `V{}` first if the key is missing.
  template <class Key, class F>
  void update(const Key& key, F&& f) {
    Shard& s = shard_for(key);
    WriterLock lock(s.mutex);
    auto it = s.map.find(key);
    if (it == s.map.end()) it = s.map.emplace(K(key), V{}).first;
    f(it->second);
  }

  /// Inserts or replaces. Returns true if the key was new.
  bool insert_or_assign(K key, V value) {
    Shard& s = shard_for(key);
    WriterLock lock(s.mutex);
    return s.map.insert_or_assign(std::move(key), std::move(value)).second;
  }

  /// A copy of the value of `key`, under the shard's shared lock.
  template <class Key>
  [[nodiscard]] std::optional<V> find(const Key& key) const {
    const Shard& s = shard_for(key);
    ReaderLock lock(s.mutex);
    auto it = s.map.find(key);
    if (it == s.map.end()) return std::nullopt;
    return it->second;
  }

  template <class Key>
  bool erase(const Key& key) {
    Shard& s = shard_for(key);
    WriterLock lock(s.mutex);
    auto it = s.map.find(key);
    if (it == s.map.end()) return false;
    s.map.erase(it);
    return true;
  }

  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (const Shard& s : shards_) {
      ReaderLock lock(s.mutex);
      n += s.map.size();
    }
    return n;
  }

  /// Calls `f(const K&, const V&)` for every entry, shard by shard, each under
  /// its shared lock. `f` must not call back into this map.
  template <class F>
  void for_each(F&& f) const {
    for (const Shard& s : shards_) {
      ReaderLock lock(s.mutex);
      for (const auto& [k, v] : s.map) f(k, v);
    }
  }

  [[nodiscard]] std::size_t shard_count() const noexcept { return shards_.size(); }

  /// Moves the contents of shard `i` out (the shard is left empty). Lets a
  /// caller drain shards in parallel, one task per shard.
  std::unordered_map<K, V, Hash, Equal> take_shard(std::size_t i) {
    WriterLock lock(shards_[i].mutex);
    return std::exchange(shards_[i].map, {});
  }

 private:
  struct alignas(kCacheLine) Shard {
    mutable SharedMutex mutex;
    std::unordered_map<K, V, Hash, Equal> map GUARDED_BY(mutex);
  };

  template <class Key>
  Shard& shard_for(const Key& key) {
    return shards_[index_of(key)];
  }
  template <class Key>
  const Shard& shard_for(const Key& key) const {
    return shards_[index_of(key)];
  }
  template <class Key>
  std::size_t index_of(const Key& key) const {
    // Mix the hash so that a weak hash (identity for integers) still spreads
    // over shards; the low bits pick the bucket inside the shard's map.
    std::size_t h = Hash{}(key);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return h % shards_.size();
  }

  std::vector<Shard> shards_;
};

}  // namespace conc
