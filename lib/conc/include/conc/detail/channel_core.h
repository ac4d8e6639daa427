// conc/detail/channel_core.h: what every channel implementation provides.
// (SendResult and SendStatus, public, are in conc/send_result.h.)
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "conc/run_stats.h"
#include "conc/send_result.h"

namespace conc {

namespace detail {

using ChannelClock = std::chrono::steady_clock;
using Deadline = std::optional<ChannelClock::time_point>;

/// The state all handles of one channel share: the queue (supplied by a
/// subclass) and the count of live Senders and Receivers.
///
/// Disconnection: when `senders` drops to zero, `senders_gone()` wakes
/// receivers, which drain what is queued and then see the end; when
/// `receivers` drops to zero, `receivers_gone()` wakes blocked senders, which
/// fail and hand their values back. Counts are seq_cst because a sleeper
/// re-checks them after registering on an EventCount (Dekker's pattern).
template <class T>
class ChannelCore {
 public:
  ChannelCore() = default;
  ChannelCore(const ChannelCore&) = delete;
  ChannelCore& operator=(const ChannelCore&) = delete;
  virtual ~ChannelCore() = default;

  virtual SendResult<T> send(T&& value, Deadline deadline) = 0;
  virtual SendResult<T> try_send(T&& value) = 0;
  /// Blocks (unless !wait) for an item; nullopt on timeout, or when no
  /// sender is left and nothing is queued.
  virtual std::optional<T> recv(bool wait, Deadline deadline) = 0;
  /// Like recv, then takes up to `max` items in all; returns how many.
  virtual std::size_t recv_batch(std::vector<T>& out, std::size_t max) = 0;
  [[nodiscard]] virtual bool empty() const = 0;
  [[nodiscard]] virtual ChannelStats stats() const = 0;

  void add_sender() noexcept { senders_.fetch_add(1, std::memory_order_seq_cst); }
  void drop_sender() {
    if (senders_.fetch_sub(1, std::memory_order_seq_cst) == 1) senders_gone();
  }
  void add_receiver() noexcept { receivers_.fetch_add(1, std::memory_order_seq_cst); }
  void drop_receiver() {
    if (receivers_.fetch_sub(1, std::memory_order_seq_cst) == 1) receivers_gone();
  }
  [[nodiscard]] bool no_senders() const noexcept { return senders_.load(std::memory_order_seq_cst) == 0; }
  [[nodiscard]] bool no_receivers() const noexcept { return receivers_.load(std::memory_order_seq_cst) == 0; }

 protected:
  virtual void senders_gone() = 0;
  virtual void receivers_gone() = 0;

 private:
  std::atomic<std::size_t> senders_{1};
  std::atomic<std::size_t> receivers_{1};
};

/// Spins briefly before a thread goes to sleep: a hand-off between two
/// running threads takes well under a microsecond, a futex sleep and wake-up
/// several. Returns as soon as `ready()` is true; false if it never was.
template <class Ready>
bool spin_until(Ready ready) {
  constexpr int kPauses = 128;
  constexpr int kYields = 8;
  for (int i = 0; i < kPauses + kYields; ++i) {
    if (ready()) return true;
    if (i < kPauses) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else {
      std::this_thread::yield();
    }
  }
  return ready();
}

}  // namespace detail
}  // namespace conc
