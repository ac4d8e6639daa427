#include <algorithm>
#include <semaphore>

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

// Each batch a task through the stages on `pool` (the pool and steal strategies).
template <class Pool>
conc::RunStats run_tasks(RunState& st, BatchReader& reader, common::ProgressBar* progress, const OutputSink& sink) {
  const std::size_t n = st.stages.size();
  const std::size_t threads = thread_count(st.options.threads);
  std::counting_semaphore<> tokens(st.in_flight_limit());
  std::vector<SerialGate> gates(n);
  Pool pool(threads);
  auto [done_tx, done_rx] = conc::unbounded<Batch>();

  // Runs stages k.. on b; stops at a serial stage and queues b at its gate.
  std::function<void(Batch&&, std::size_t, Sender<Batch>&)> run_from = [&](Batch&& b, std::size_t k, Sender<Batch>& out) {
    for (; k < n; ++k) {
      if (st.stages[k]->serial()) {
        gates[k].arrive(std::move(b), [&, k](Batch&& next) {
          st.apply(k, next);
          // The rest of the chain is a new task: the gate is free at once.
          pool.post([&run_from, k, out, next = std::move(next)]() mutable { run_from(std::move(next), k + 1, out); });
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
      pool.post([&run_from, out, b = std::move(*b)]() mutable { run_from(std::move(b), 0, out); });
    }
  });

  Sink out(st, sink, tokens);
  for (Batch& b : done_rx) out.arrive(std::move(b));  // ends when the source and every task are done
  source.join();
  out.finish();

  conc::RunStats stats;
  stats.executor = std::string(pool.name());  // "pool" or "steal", as the strategy
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
