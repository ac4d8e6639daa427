#include <algorithm>
#include <map>
#include <semaphore>
#include <utility>

#include "conc/channel.h"
#include "conc/mutex.h"
#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"
#include "runners.h"
#include "sink.h"

namespace conc::pipeline::detail {
namespace {

// Lets batches through a serial stage one at a time, in input order: the
// task whose batch is next runs it, then every consecutive batch already
// waiting, so no worker ever blocks on the gate.
class SerialGate {
 public:
  template <class Run>
  void arrive(Batch&& b, Run&& run) {
    MutexLock lock(mutex_);
    push_batch(waiting_, std::move(b));
    if (busy_) return;  // the task inside will take it
    busy_ = true;
    while (auto next = waiting_.pop()) {
      lock.unlock();
      run(std::move(*next));
      lock.lock();
    }
    busy_ = false;
  }

 private:
  Mutex mutex_;
  SeqBuffer waiting_ GUARDED_BY(mutex_);
  bool busy_ GUARDED_BY(mutex_) = false;
};

// The batches ready for a worker, each with the stage it goes on at. A
// posted task is not bound to a batch: it takes the lowest sequence waiting,
// so whatever order the pool runs its tasks in (the stealing pool pops its
// newest first), the oldest ready batch gets the next free worker. That is
// what keeps a streaming stage from deadlocking: a worker waits in emit only
// for a batch behind the head, and the head is then running, or was made
// ready by a worker that is free right after and takes it.
class Ready {
 public:
  void push(Batch&& b, std::size_t k) {
    const MutexLock lock(mutex_);
    const auto seq = b.seq;
    items_.emplace(seq, std::pair(std::move(b), k));
  }
  // One pop per push: never empty when called from a task.
  std::pair<Batch, std::size_t> pop_lowest() {
    const MutexLock lock(mutex_);
    auto node = items_.extract(items_.begin());
    return std::move(node.mapped());
  }

 private:
  Mutex mutex_;
  std::map<std::uint64_t, std::pair<Batch, std::size_t>> items_
      GUARDED_BY(mutex_);  // a batch is in one place at a time
};

// Each batch a task through the stages on `pool` (the pool and steal strategies).
template <class Pool>
conc::RunStats run_tasks(RunState& st, BatchReader& reader, common::ProgressBar* progress, const OutputSink& sink) {
  const std::size_t n = st.stages.size();
  const std::size_t threads = st.options.threads;
  std::counting_semaphore<> tokens(st.in_flight_limit());
  std::vector<SerialGate> gates(n);
  Ready ready;
  Pool pool(threads);
  auto [done_tx, done_rx] = conc::unbounded<Batch>();

  std::function<void(Batch&&, std::size_t, Sender<Batch>&)> run_from;
  // Makes b ready to go on at stage k and posts a task that runs the lowest ready batch.
  const auto schedule = [&](Batch&& b, std::size_t k, Sender<Batch> out) {
    ready.push(std::move(b), k);
    pool.post([&ready, &run_from, out = std::move(out)]() mutable {
      auto [next, at] = ready.pop_lowest();
      run_from(std::move(next), at, out);
    });
  };

  // Runs stages k.. on b; stops at a serial stage and queues b at its gate.
  run_from = [&](Batch&& b, std::size_t k, Sender<Batch>& out) {
    for (; k < n; ++k) {
      if (st.stages[k]->serial()) {
        gates[k].arrive(std::move(b), [&, k](Batch&& next) {
          st.apply(k, next);
          // The rest of the chain is a new task: the gate is free at once.
          schedule(std::move(next), k + 1, out);
        });
        return;
      }
      if (st.streaming(k)) {
        st.apply(k, b, st.control_for(k, [out](Batch&& p) mutable { (void)out.send(std::move(p)); }));
      } else {
        st.apply(k, b);
      }
    }
    (void)out.send(std::move(b));
  };

  std::jthread source([&, out = std::move(done_tx)]() mutable {
    while (true) {
      tokens.acquire();
      auto b = reader.next();
      if (!b) break;
      if (progress != nullptr) progress->add(1, b->data.size());
      schedule(std::move(*b), 0, out);
    }
  });

  Sink out(st, sink, tokens);
  for (Batch& b : done_rx) out.arrive(std::move(b));  // ends when the source and every task are done
  source.join();
  out.finish();

  conc::RunStats stats;
  stats.workers = pool.worker_stats();
  st.report(stats, std::vector<std::size_t>(n, threads));
  stats.channels.push_back({"finished batches", done_rx.stats()});
  return stats;
}

}  // namespace

conc::RunStats run_pool(RunState& st, BatchReader& reader, common::ProgressBar* progress, const OutputSink& sink) {
  return run_tasks<ThreadPool>(st, reader, progress, sink);
}

conc::RunStats run_steal(RunState& st, BatchReader& reader, common::ProgressBar* progress, const OutputSink& sink) {
  return run_tasks<WorkStealingPool>(st, reader, progress, sink);
}

}  // namespace conc::pipeline::detail
