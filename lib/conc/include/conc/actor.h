// conc/actor.h: state owned by one thread, reached only through messages.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "conc/channel.h"
#include "conc/mutex.h"
#include "conc/thread_annotations.h"

namespace conc {

/// An actor: a mailbox (a conc channel) and a handler that runs on the
/// actor's own thread, one message at a time, in arrival order.
///
/// Whatever state the handler captures is touched by that thread only, so it
/// needs no lock. `tell` sends and forgets; `ask` sends and returns a future
/// for the handler's result (or its exception). A bounded mailbox makes
/// `tell`/`ask` block when the actor falls behind (backpressure).
///
/// `stop()` (and the destructor) closes the mailbox, lets the actor handle
/// every message already sent, and joins its thread. After that, `tell`
/// returns false and `ask` returns a future holding `std::runtime_error`.
/// A handler that throws on a `tell` message does not stop the actor; the
/// message is counted in `failed()`.
template <class Msg, class Reply = void>
class Actor {
 public:
  using Handler = std::function<Reply(Msg&)>;

  explicit Actor(Handler handler, std::size_t mailbox_capacity = 0) : handler_(std::move(handler)) {
    auto [tx, rx] = channel<Envelope>(mailbox_capacity);
    mailbox_ = std::move(tx);
    observer_ = rx;
    thread_ = std::jthread([this, rx = std::move(rx)]() mutable { loop(rx); });
  }
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;
  ~Actor() { stop(); }

  /// Sends `msg`; false if the actor has stopped.
  bool tell(Msg msg) {
    MutexLock lock(send_mutex_);
    if (!mailbox_.valid()) return false;
    return static_cast<bool>(mailbox_.send(Envelope{std::move(msg), std::nullopt}));
  }

  /// Sends `msg` and returns a future for the handler's reply.
  std::future<Reply> ask(Msg msg) {
    std::promise<Reply> promise;
    auto reply = promise.get_future();
    MutexLock lock(send_mutex_);
    if (!mailbox_.valid()) {
      promise.set_exception(std::make_exception_ptr(std::runtime_error("conc::Actor: stopped")));
      return reply;
    }
    auto result = mailbox_.send(Envelope{std::move(msg), std::move(promise)});
    if (!result) {
      result.value().reply->set_exception(std::make_exception_ptr(std::runtime_error("conc::Actor: stopped")));
    }
    return reply;
  }

  /// Handles every message sent so far, then joins the thread. Idempotent.
  void stop() {
    {
      MutexLock lock(send_mutex_);
      mailbox_.reset();  // the last sender: the loop drains and ends
    }
    if (thread_.joinable()) thread_.join();
  }

  /// Messages handled so far (acquire: pairs with the actor's release, so the
  /// handler's effects on shared results are visible to the caller).
  [[nodiscard]] std::uint64_t handled() const noexcept { return handled_.load(std::memory_order_acquire); }
  /// `tell` messages whose handler threw.
  [[nodiscard]] std::uint64_t failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
  /// The mailbox's counters.
  [[nodiscard]] ChannelStats mailbox_stats() const { return observer_.stats(); }

 private:
  struct Envelope {
    Msg msg;
    std::optional<std::promise<Reply>> reply;
  };

  void loop(Receiver<Envelope>& rx) {
    for (Envelope& env : rx) {
      deliver(env);
      // release: a caller that reads handled() sees this message's effects.
      handled_.fetch_add(1, std::memory_order_release);
    }
  }

  void deliver(Envelope& env) {
    try {
      if constexpr (std::is_void_v<Reply>) {
        handler_(env.msg);
        if (env.reply) env.reply->set_value();
      } else {
        Reply r = handler_(env.msg);
        if (env.reply) env.reply->set_value(std::move(r));
      }
    } catch (...) {
      if (env.reply) {
        env.reply->set_exception(std::current_exception());
      } else {
        failed_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a counter only
      }
    }
  }

  Handler handler_;
  Mutex send_mutex_;  ///< guards mailbox_ against a concurrent stop()
  Sender<Envelope> mailbox_ GUARDED_BY(send_mutex_);
  std::atomic<std::uint64_t> handled_{0};
  std::atomic<std::uint64_t> failed_{0};
  Receiver<Envelope> observer_;  // never receives: keeps the counters readable
  std::jthread thread_;          // last: started after, joined before, the rest
};

}  // namespace conc
