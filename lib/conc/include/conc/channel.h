// conc/channel.h: multi-producer multi-consumer channels with disconnection.
#pragma once

#include <chrono>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "conc/detail/channel_core.h"
#include "conc/detail/list_channel.h"
#include "conc/detail/ring_channel.h"
#include "conc/run_stats.h"
#include "conc/send_result.h"

namespace conc {

namespace detail {

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
class Sender : public detail::Endpoint<T, &detail::ChannelCore<T>::add_sender, &detail::ChannelCore<T>::drop_sender> {
  using Base = detail::Endpoint<T, &detail::ChannelCore<T>::add_sender, &detail::ChannelCore<T>::drop_sender>;

 public:
  using Base::Base;

  /// Blocks while a bounded channel is full (backpressure). Fails, handing
  /// the value back, once every Receiver is gone.
  SendResult<T> send(T value) { return this->core_->send(std::move(value), std::nullopt); }

  /// True once every Receiver is gone: sends can only fail.
  [[nodiscard]] bool disconnected() const { return this->core_->no_receivers(); }

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
  using Base = detail::Endpoint<T, &detail::ChannelCore<T>::add_receiver, &detail::ChannelCore<T>::drop_receiver>;

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
    return this->core_->recv_batch(out, max == 0 ? 1 : max);
  }

  /// True when every Sender is gone and nothing is left to receive.
  [[nodiscard]] bool drained() const { return this->core_->no_senders() && this->core_->empty(); }

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
///
/// A bounded channel is a lock-free ring (detail/ring_channel.h); an
/// unbounded one a deque behind a mutex (detail/list_channel.h). Both give
/// the same guarantees: FIFO per sender, each item received exactly once,
/// a send happens-before the receive that returns its value.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity) {
  std::shared_ptr<detail::ChannelCore<T>> core;
  if (capacity == 0) {
    core = std::make_shared<detail::ListChannel<T>>();
  } else {
    core = std::make_shared<detail::RingChannel<T>>(capacity);
  }
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
