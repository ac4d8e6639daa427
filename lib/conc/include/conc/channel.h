// conc/channel.h: multi-producer multi-consumer channels with disconnection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "conc/run_stats.h"

namespace conc {

/// Why a send did not deliver its value.
enum class SendStatus {
  kSent,          ///< delivered
  kFull,          ///< try_send: the bounded channel had no space
  kTimeout,       ///< send_for: no space appeared in time
  kDisconnected,  ///< every Receiver is gone; nothing will ever be received
};

/// The outcome of a send. Converts to true when the value was delivered;
/// otherwise `value()` hands the value back to the caller.
template <class T>
class [[nodiscard]] SendResult {
 public:
  static SendResult sent() { return SendResult(SendStatus::kSent, std::nullopt); }
  static SendResult rejected(SendStatus why, T&& value) { return SendResult(why, std::move(value)); }

  explicit operator bool() const noexcept { return status_ == SendStatus::kSent; }
  [[nodiscard]] SendStatus status() const noexcept { return status_; }
  /// The value that was not sent. Precondition: `!*this`.
  T& value() { return *rejected_; }

 private:
  SendResult(SendStatus s, std::optional<T> v) : status_(s), rejected_(std::move(v)) {}
  SendStatus status_;
  std::optional<T> rejected_;
};

namespace detail {

/// The state every handle of one channel shares. All fields are guarded by
/// `mutex`: the channel is a monitor, so its ordering guarantee is simply the
/// mutex's (a send happens-before the receive that returns its value).
template <class T>
struct ChannelCore {
  explicit ChannelCore(std::size_t cap) : capacity(cap) {}

  using Clock = std::chrono::steady_clock;

  [[nodiscard]] bool full() const { return capacity != 0 && items.size() >= capacity; }

  // Waits on `cv` until `ready()`, counting the waiter and the time blocked.
  // Returns false on timeout (the predicate was still false at the deadline).
  template <class Ready>
  bool block(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, int& waiting,
             std::chrono::nanoseconds& blocked, Ready ready,
             std::optional<Clock::time_point> deadline = std::nullopt) {
    const auto start = Clock::now();
    ++waiting;
    bool ok = true;
    if (deadline) {
      ok = cv.wait_until(lock, *deadline, ready);
    } else {
      cv.wait(lock, ready);
    }
    --waiting;
    blocked += Clock::now() - start;
    return ok;
  }

  // Adds a value and wakes one receiver if any waits. Requires the lock,
  // which it releases.
  void push_and_unlock(std::unique_lock<std::mutex>& lock, T&& value) {
    items.push_back(std::move(value));
    ++sent;
    const bool wake = recv_waiting > 0;
    lock.unlock();
    if (wake) not_empty.notify_one();
  }

  // Wakes senders after `freed` slots were freed. Requires the lock, which it
  // releases.
  void after_pop_unlock(std::unique_lock<std::mutex>& lock, std::size_t freed) {
    received += freed;
    const bool wake = send_waiting > 0 && capacity != 0;
    lock.unlock();
    if (!wake) return;
    if (freed == 1) {
      not_full.notify_one();
    } else {
      not_full.notify_all();
    }
  }

  SendResult<T> send(T&& value, std::optional<Clock::time_point> deadline) {
    std::unique_lock lock(mutex);
    if (receivers == 0) return SendResult<T>::rejected(SendStatus::kDisconnected, std::move(value));
    if (full()) {
      const bool ok = block(lock, not_full, send_waiting, send_blocked,
                            [&] { return receivers == 0 || !full(); }, deadline);
      if (receivers == 0) return SendResult<T>::rejected(SendStatus::kDisconnected, std::move(value));
      if (!ok) return SendResult<T>::rejected(SendStatus::kTimeout, std::move(value));
    }
    push_and_unlock(lock, std::move(value));
    return SendResult<T>::sent();
  }

  SendResult<T> try_send(T&& value) {
    std::unique_lock lock(mutex);
    if (receivers == 0) return SendResult<T>::rejected(SendStatus::kDisconnected, std::move(value));
    if (full()) return SendResult<T>::rejected(SendStatus::kFull, std::move(value));
    push_and_unlock(lock, std::move(value));
    return SendResult<T>::sent();
  }

  // Blocks (until the deadline, if any) for at least one item or for every
  // sender to be gone; then moves up to `max` items into `out`.
  std::size_t recv_into(std::vector<T>& out, std::size_t max, bool wait,
                        std::optional<Clock::time_point> deadline) {
    std::unique_lock lock(mutex);
    if (items.empty()) {
      if (!wait || senders == 0) return 0;
      block(lock, not_empty, recv_waiting, recv_blocked,
            [&] { return !items.empty() || senders == 0; }, deadline);
      if (items.empty()) return 0;
    }
    std::size_t n = 0;
    while (n < max && !items.empty()) {
      out.push_back(std::move(items.front()));
      items.pop_front();
      ++n;
    }
    after_pop_unlock(lock, n);
    return n;
  }

  std::optional<T> recv(bool wait, std::optional<Clock::time_point> deadline) {
    std::unique_lock lock(mutex);
    if (items.empty()) {
      if (!wait || senders == 0) return std::nullopt;
      block(lock, not_empty, recv_waiting, recv_blocked,
            [&] { return !items.empty() || senders == 0; }, deadline);
      if (items.empty()) return std::nullopt;
    }
    std::optional<T> value(std::move(items.front()));
    items.pop_front();
    after_pop_unlock(lock, 1);
    return value;
  }

  void add_sender() {
    std::lock_guard lock(mutex);
    ++senders;
  }
  void drop_sender() {
    std::unique_lock lock(mutex);
    if (--senders == 0) {
      lock.unlock();
      not_empty.notify_all();  // receivers drain what is left, then see the end
    }
  }
  void add_receiver() {
    std::lock_guard lock(mutex);
    ++receivers;
  }
  void drop_receiver() {
    std::deque<T> orphans;  // destroyed outside the lock
    std::unique_lock lock(mutex);
    if (--receivers == 0) {
      orphans.swap(items);
      lock.unlock();
      not_full.notify_all();  // blocked senders fail and get their values back
    }
  }

  ChannelStats stats() {
    std::lock_guard lock(mutex);
    ChannelStats s;
    s.capacity = capacity;
    s.sent = sent;
    s.received = received;
    s.send_blocked = send_blocked;
    s.recv_blocked = recv_blocked;
    return s;
  }

  std::mutex mutex;
  std::condition_variable not_empty;
  std::condition_variable not_full;
  std::deque<T> items;
  const std::size_t capacity;  // 0: unbounded
  std::size_t senders = 1;
  std::size_t receivers = 1;
  int recv_waiting = 0;
  int send_waiting = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::chrono::nanoseconds send_blocked{0};
  std::chrono::nanoseconds recv_blocked{0};
};

/// Shared handle plumbing: copying a handle registers one more endpoint,
/// destroying (or reset()) the last one disconnects that side.
template <class T, void (ChannelCore<T>::*Add)(), void (ChannelCore<T>::*Drop)()>
class Endpoint {
 public:
  Endpoint() = default;
  explicit Endpoint(std::shared_ptr<ChannelCore<T>> core) : core_(std::move(core)) {}
  Endpoint(const Endpoint& other) : core_(other.core_) {
    if (core_) (core_.get()->*Add)();
  }
  Endpoint(Endpoint&& other) noexcept = default;  // leaves other empty
  Endpoint& operator=(const Endpoint& other) {
    if (this != &other) {
      Endpoint copy(other);
      std::swap(core_, copy.core_);
    }
    return *this;
  }
  Endpoint& operator=(Endpoint&& other) noexcept {
    if (this != &other) {
      reset();
      core_ = std::move(other.core_);
    }
    return *this;
  }
  ~Endpoint() { reset(); }

  /// Drops this handle now, as its destructor would.
  void reset() {
    if (core_) {
      (core_.get()->*Drop)();
      core_.reset();
    }
  }
  [[nodiscard]] bool valid() const noexcept { return core_ != nullptr; }
  /// Counters of the channel (shared by all its handles).
  [[nodiscard]] ChannelStats stats() const { return core_->stats(); }

 protected:
  std::shared_ptr<ChannelCore<T>> core_;
};

}  // namespace detail

/// The sending handle of a channel. Copyable: each copy is one more producer.
/// When the last Sender is destroyed (or `reset()`), the channel closes:
/// receivers drain what is queued, then `recv()` returns `std::nullopt`.
template <class T>
class Sender
    : public detail::Endpoint<T, &detail::ChannelCore<T>::add_sender, &detail::ChannelCore<T>::drop_sender> {
  using Base = detail::Endpoint<T, &detail::ChannelCore<T>::add_sender, &detail::ChannelCore<T>::drop_sender>;

 public:
  using Base::Base;

  /// Blocks while a bounded channel is full (backpressure). Fails, handing
  /// the value back, once every Receiver is gone.
  SendResult<T> send(T value) { return this->core_->send(std::move(value), std::nullopt); }

  /// Never blocks: fails with kFull instead.
  SendResult<T> try_send(T value) { return this->core_->try_send(std::move(value)); }

  /// Blocks at most `timeout` for space: fails with kTimeout after that.
  template <class Rep, class Period>
  SendResult<T> send_for(T value, std::chrono::duration<Rep, Period> timeout) {
    return this->core_->send(std::move(value), std::chrono::steady_clock::now() + timeout);
  }
};

/// The receiving handle of a channel. Copyable: each copy is one more
/// consumer; every item goes to exactly one of them. When the last Receiver
/// is gone, queued items are dropped and every send fails.
template <class T>
class Receiver
    : public detail::Endpoint<T, &detail::ChannelCore<T>::add_receiver, &detail::ChannelCore<T>::drop_receiver> {
  using Base =
      detail::Endpoint<T, &detail::ChannelCore<T>::add_receiver, &detail::ChannelCore<T>::drop_receiver>;

 public:
  using Base::Base;

  /// Blocks for the next item; nullopt once the channel is closed and drained.
  std::optional<T> recv() { return this->core_->recv(true, std::nullopt); }

  /// Never blocks: nullopt when nothing is queued right now.
  std::optional<T> try_recv() { return this->core_->recv(false, std::nullopt); }

  /// Blocks at most `timeout`: nullopt on timeout or when closed and drained
  /// (tell them apart with `drained()`).
  template <class Rep, class Period>
  std::optional<T> recv_for(std::chrono::duration<Rep, Period> timeout) {
    return this->core_->recv(true, std::chrono::steady_clock::now() + timeout);
  }

  /// Blocks for at least one item, then appends up to `max` queued items to
  /// `out` in FIFO order under one lock. Returns how many were appended; 0
  /// means closed and drained.
  std::size_t recv_batch(std::vector<T>& out, std::size_t max) {
    return this->core_->recv_into(out, max == 0 ? 1 : max, true, std::nullopt);
  }

  /// True when every Sender is gone and nothing is left to receive.
  [[nodiscard]] bool drained() const {
    std::lock_guard lock(this->core_->mutex);
    return this->core_->senders == 0 && this->core_->items.empty();
  }

  /// Input iterator for `for (T v : rx)`: ends when closed and drained.
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Receiver* rx) : rx_(rx) { ++*this; }
    T& operator*() { return *current_; }
    iterator& operator++() {
      current_ = rx_->recv();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.current_; }

   private:
    Receiver* rx_ = nullptr;
    std::optional<T> current_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }
};

/// Creates a channel. `capacity` 0 means unbounded; otherwise at most
/// `capacity` items are queued and senders block beyond that.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity) {
  auto core = std::make_shared<detail::ChannelCore<T>>(capacity);
  return {Sender<T>(core), Receiver<T>(core)};
}

/// A channel holding at most `capacity` (>= 1) items.
template <class T>
std::pair<Sender<T>, Receiver<T>> bounded(std::size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("conc::bounded: capacity must be at least 1");
  return channel<T>(capacity);
}

/// A channel that never blocks senders.
template <class T>
std::pair<Sender<T>, Receiver<T>> unbounded() {
  return channel<T>(0);
}

}  // namespace conc
