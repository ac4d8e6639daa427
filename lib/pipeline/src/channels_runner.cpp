#include <algorithm>
#include <memory>
#include <optional>
#include <semaphore>
#include <thread>

#include "conc/channel.h"
#include "conc/executor.h"
#include "conc/mutex.h"
#include "runners.h"
#include "sink.h"

namespace conc::pipeline::detail {

std::vector<std::size_t> stage_workers(const RunState& st) {
  const std::size_t all = st.options.threads;
  std::vector<std::size_t> workers;
  for (std::size_t k = 0; k < st.stages.size(); ++k) {
    const auto it = st.options.stage_threads.find(k);
    workers.push_back(st.stages[k]->serial() ? 1 : it != st.options.stage_threads.end() ? it->second : all);
  }
  return workers;
}

conc::RunStats run_channels(RunState& st, BatchReader& reader, common::ProgressBar* progress, const OutputSink& sink) {
  const std::size_t n = st.stages.size();
  const auto workers = stage_workers(st);
  // links[k] feeds stage k; links[n] feeds the sink.
  std::vector<Sender<Batch>> to;
  std::vector<Receiver<Batch>> from;
  for (std::size_t k = 0; k <= n; ++k) {
    auto [tx, rx] = conc::bounded<Batch>(std::max<std::size_t>(1, st.options.capacity));
    to.push_back(std::move(tx));
    from.push_back(std::move(rx));
  }

  struct InOrder {
    Mutex mutex;
    SeqBuffer order GUARDED_BY(mutex);
  };
  std::vector<std::unique_ptr<InOrder>> dispatch;  // per stage: the in-order hand-out of a streaming stage
  for (std::size_t k = 0; k < n; ++k) dispatch.push_back(std::make_unique<InOrder>());

  std::counting_semaphore<> tokens(st.in_flight_limit());  // given back by the sink
  std::vector<std::jthread> threads;
  threads.emplace_back([&, out = to[0]]() mutable {
    for (;;) {
      tokens.acquire();
      auto b = reader.next();
      if (!b) return;
      if (progress != nullptr) progress->add(1, b->data.size());
      (void)out.send(std::move(*b));  // cannot fail: the stage's receivers outlive this thread
    }
  });
  for (std::size_t k = 0; k < n; ++k) {
    for (std::size_t w = 0; w < workers[k]; ++w) {
      threads.emplace_back([&st, &dispatch, k, in = from[k], out = to[k + 1],
                            fin = st.streaming(k) ? std::optional(to[n]) : std::nullopt]() mutable {
        if (st.streaming(k)) {
          // Pieces go straight to the sink. The stage takes its batches in
          // input order, so the head of the output order is always in a
          // worker (or past it) and a worker waiting on the sink with a
          // later batch cannot starve it.
          const auto control = st.control_for(k, [tx = *fin](Batch&& p) mutable { (void)tx.send(std::move(p)); });
          fin.reset();  // the control holds its own
          auto& gate = *dispatch[k];
          for (bool open = true;;) {
            std::optional<Batch> next;
            {
              const MutexLock lock(gate.mutex);
              next = gate.order.pop();
            }
            if (!next) {
              if (!open) return;
              auto got = in.recv();
              if (!got) {
                open = false;
                continue;
              }
              const MutexLock lock(gate.mutex);
              push_batch(gate.order, std::move(*got));
              continue;
            }
            st.apply(k, *next, control);
            (void)out.send(std::move(*next));
          }
        }
        if (!st.stages[k]->serial()) {
          for (Batch& b : in) {
            st.apply(k, b);
            (void)out.send(std::move(b));
          }
          return;
        }
        SeqBuffer order;  // a serial stage sees the batches in input order
        for (Batch& b : in) {
          push_batch(order, std::move(b));
          while (auto next = order.pop()) {
            st.apply(k, *next);
            (void)out.send(std::move(*next));
          }
        }
      });
    }
  }
  to.clear();  // the threads hold every sender: each link closes when its senders finish

  Sink out(st, sink, tokens);
  for (Batch& b : from[n]) out.arrive(std::move(b));
  threads.clear();  // join
  out.finish();

  conc::RunStats stats;
  st.report(stats, workers);
  for (std::size_t k = 0; k < n; ++k) {
    stats.stages[k].wait_input = from[k].stats().recv_blocked;
    stats.stages[k].wait_output = from[k + 1].stats().send_blocked;
  }
  for (std::size_t k = 0; k <= n; ++k) {
    stats.channels.push_back({k == 0   ? "input -> stage 1"
                              : k == n ? "stage " + std::to_string(n) + " -> output"
                                       : "stage " + std::to_string(k) + " -> stage " + std::to_string(k + 1),
                              from[k].stats()});
  }
  return stats;
}

}  // namespace conc::pipeline::detail
