// Every strategy of hash_jobs, for jobs that arrive over time.
//
//   producer --(entries)--> feeder --(jobs)--> workers --(outcomes)--> deliverer (caller)
//
// The feeder numbers the entries in arrival order and keeps them in the
// in-flight list until the deliverer hands them back; it takes no entry
// while the list is full, so the producer (reading a check file) waits and
// memory stays bounded on an endless stream. seq needs none of this: the
// calling thread takes an entry, hashes it, hands it back, and so on.
#include <deque>
#include <exception>
#include <memory>
#include <thread>
#include <utility>

#include "conc/executor.h"
#include "conc/mutex.h"
#include "conc/reorder_buffer.h"
#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"
#include "job_stream.h"
#include "strategies.h"

namespace conc::hash::detail {
namespace {

// The entries taken and not yet handed back, oldest first. Delivery is in
// order, so the deliverer always takes the front; a deque leaves the other
// entries where they are, so workers read their job in place meanwhile.
class InFlight {
 public:
  InFlight(std::size_t window, std::stop_token stop) : window_(window), stop_(std::move(stop)) {}

  // Waits until fewer than `window` entries are in flight: true; or until
  // stop is requested: false.
  bool wait_for_room() {
    const std::stop_callback wake(stop_, [this] {
      // Through the lock: a waiter that saw no stop yet holds it until it
      // sleeps, so this notify cannot fall between its check and its sleep.
      { const MutexLock lock(mutex_); }
      room_.notify_all();
    });
    MutexLock lock(mutex_);
    // The predicate runs with mutex_ held (CondVar's contract); the
    // assertion tells the analysis, which does not follow into lambdas.
    room_.wait(lock, [this] {
      mutex_.assert_held();
      return entries_.size() < window_ || stop_.stop_requested();
    });
    return !stop_.stop_requested();
  }

  // Appends `entry`; the reference stays valid until `take_front` returns it.
  StreamEntry& push(StreamEntry&& entry) {
    const MutexLock lock(mutex_);
    entries_.push_back(std::move(entry));
    return entries_.back();
  }

  StreamEntry take_front() {
    StreamEntry front;
    {
      const MutexLock lock(mutex_);
      front = std::move(entries_.front());
      entries_.pop_front();
    }
    room_.notify_all();
    return front;
  }

  bool empty() {
    const MutexLock lock(mutex_);
    return entries_.empty();
  }

 private:
  std::size_t window_;
  std::stop_token stop_;
  Mutex mutex_;
  CondVar room_;  // a place freed (or stop): the feeder may take the next entry
  std::deque<StreamEntry> entries_ GUARDED_BY(mutex_);
};

// Sends a job to the workers: its index in arrival order and the job, which
// stays in the in-flight list (alive, unmoved) until its outcome is delivered.
using Dispatch = std::function<void(std::size_t index, const Job& job)>;

// The feeder thread: takes entries while there is room, numbers them, keeps
// them in flight and dispatches their jobs; an entry without a job is done
// at once. Once stop is requested it drains `entries` without taking them,
// so a producer blocked on a full channel gets to see the stop too.
void feed(Receiver<StreamEntry>& entries, InFlight& in_flight, Sender<Indexed>& out, const Dispatch& dispatch) {
  for (std::size_t index = 0; in_flight.wait_for_room(); ++index) {
    auto entry = entries.recv();
    if (!entry) return;
    const StreamEntry& held = in_flight.push(std::move(*entry));
    if (held.job) {
      dispatch(index, *held.job);
    } else {
      (void)out.send({index, Outcome{}});  // cannot fail: the deliverer receives until every sender is gone
    }
  }
  while (entries.recv()) {}
}

// The calling thread: hands entries back in order as their outcomes arrive,
// until every sender of `outcomes` is gone. After `halt` it only drains.
void deliver(Receiver<Indexed>& outcomes, InFlight& in_flight, std::stop_source& halt,
             const std::function<void()>& idle, const EntrySink& sink) {
  ReorderBuffer<Outcome> order;
  std::exception_ptr failure;
  auto guarded = [&](auto&& call) {
    try {
      call();
    } catch (...) {
      failure = std::current_exception();
      halt.request_stop();
    }
  };
  for (;;) {
    std::optional<Indexed> item = outcomes.try_recv();
    if (!item) {
      // Nothing ready: if nothing is in flight either, the wait is for the
      // producer (a slow pipe), so what was written must be seen now.
      if (idle && !halt.stop_requested() && in_flight.empty()) guarded(idle);
      item = outcomes.recv();
    }
    if (!item) break;
    if (halt.stop_requested()) continue;
    order.push(item->first, std::move(item->second));
    while (!halt.stop_requested()) {
      auto next = order.pop();
      if (!next) break;
      StreamEntry entry = in_flight.take_front();
      guarded([&] { sink(entry, std::move(*next)); });
    }
  }
  if (failure) std::rethrow_exception(failure);
}

conc::RunStats stream_seq(Receiver<StreamEntry>& entries, const EngineOptions& o, std::stop_source& halt,
                          common::ProgressBar* progress, const std::function<void()>& idle, const EntrySink& sink) {
  const auto stop = halt.get_token();
  std::exception_ptr failure;
  for (;;) {
    std::optional<StreamEntry> entry = entries.try_recv();
    if (!entry) {
      // Every entry so far is handed back: the wait is for the producer.
      if (idle && !stop.stop_requested()) {
        try {
          idle();
        } catch (...) {
          failure = std::current_exception();
          halt.request_stop();
        }
      }
      entry = entries.recv();
    }
    if (!entry) break;
    if (stop.stop_requested()) continue;  // drain: the producer may be blocked sending
    Outcome out;
    if (entry->job) out = hash_one(*entry->job, o.io, thread_buffer(o.block_size), stop, progress);
    if (stop.stop_requested()) continue;
    try {
      sink(*entry, std::move(out));
    } catch (...) {
      failure = std::current_exception();
      halt.request_stop();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return {};
}

// pool and steal: one task per job, posted in arrival order; `split` (the
// pool itself, or null) takes a big BLAKE3 file's subtrees as tasks too.
conc::RunStats stream_on(Executor& pool, Executor* split, Receiver<StreamEntry>& entries, const EngineOptions& o,
                         std::stop_source& halt, common::ProgressBar* progress, const std::function<void()>& idle,
                         const EntrySink& sink) {
  const auto stop = halt.get_token();
  InFlight in_flight(kStreamWindowPerThread * o.threads, stop);
  auto [tx, rx] = conc::unbounded<Indexed>();
  std::jthread feeder([&, out = tx]() mutable {
    feed(entries, in_flight, out, [&](std::size_t index, const Job& job) {
      // Always sends, even once stopped (hash_one then returns at once):
      // the deliverer drains until every sender is gone.
      pool.post([&, out, index, held = &job]() mutable {
        (void)out.send({index, hash_one(*held, o.io, thread_buffer(o.block_size), stop, progress, split)});
      });
    });
  });
  tx.reset();  // the channel closes when the feeder and the last task are done
  deliver(rx, in_flight, halt, idle, sink);
  conc::RunStats stats;
  stats.workers = pool.worker_stats();
  stats.channels.push_back({"entries", entries.stats()});
  stats.channels.push_back({"outcomes", rx.stats()});
  return stats;
}

conc::RunStats stream_channels(Receiver<StreamEntry>& entries, const EngineOptions& o, std::stop_source& halt,
                               common::ProgressBar* progress, const std::function<void()>& idle,
                               const EntrySink& sink) {
  const auto stop = halt.get_token();
  InFlight in_flight(kStreamWindowPerThread * o.threads, stop);
  auto [out_tx, out_rx] = conc::unbounded<Indexed>();
  // Bounded by the in-flight window; the readers claim from it in order.
  auto [claim_tx, claim_rx] = conc::unbounded<Claim>();
  const ClaimJob claim = [rx = claim_rx]() mutable { return rx.recv(); };
  std::jthread feeder([&, out = out_tx, claims = std::move(claim_tx)]() mutable {
    feed(entries, in_flight, out, [&](std::size_t index, const Job& job) { (void)claims.send(Claim{index, &job}); });
  });
  conc::RunStats stats = stream_block_pipeline(claim, o, stop, progress, std::move(out_tx),
                                               [&] { deliver(out_rx, in_flight, halt, idle, sink); });
  stats.channels.push_back({"entries", entries.stats()});
  stats.channels.push_back({"outcomes", out_rx.stats()});
  return stats;
}

}  // namespace

conc::RunStats hash_stream(Receiver<StreamEntry> entries, const EngineOptions& requested, std::stop_source& halt,
                           common::ProgressBar* progress, const std::function<void()>& idle, const EntrySink& sink) {
  EngineOptions o = requested;
  o.threads = thread_count(requested.threads);  // resolved once: 0 is every core
  std::uint64_t items = 0;
  std::uint64_t bytes = 0;  // of the outcomes delivered, counted on this thread
  const EntrySink counted = [&](StreamEntry& entry, Outcome&& out) {
    if (entry.job) ++items;
    bytes += out.bytes;
    sink(entry, std::move(out));
  };
  conc::RunStats stats;
  switch (o.strategy) {
    case Strategy::kSeq: stats = stream_seq(entries, o, halt, progress, idle, counted); break;
    case Strategy::kPool: {
      ThreadPool pool(o.threads);
      stats = stream_on(pool, nullptr, entries, o, halt, progress, idle, counted);
      break;
    }
    case Strategy::kSteal: {
      // One task per file as it arrives: there is no list to sort biggest
      // first. A big BLAKE3 file is split into subtrees, as in hash_jobs.
      WorkStealingPool pool(o.threads);
      stats = stream_on(pool, &pool, entries, o, halt, progress, idle, counted);
      break;
    }
    case Strategy::kChannels: stats = stream_channels(entries, o, halt, progress, idle, counted); break;
  }
  stats.executor = std::string(common::strategy_info(strategies(), o.strategy).name);
  stats.items = items;
  stats.bytes = bytes;
  stats.work_unit = "byte";
  stats.work = bytes;
  return stats;
}

}  // namespace conc::hash::detail
