// Channel throughput: conc::channel against moodycamel::BlockingConcurrentQueue
// and tbb::concurrent_bounded_queue, same producers/consumers/capacity.
//
// Arguments: producers, consumers, capacity (0 = unbounded). Every queue is
// used as a blocking queue; consumers stop at one sentinel each.
#include <benchmark/benchmark.h>
#include <tbb/concurrent_queue.h>

#include <blockingconcurrentqueue.h>
#include <lightweightsemaphore.h>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "conc/channel.h"

namespace {

constexpr int kItems = 200000;
constexpr int kStop = -1;

struct ConcQueue {
  static constexpr const char* kName = "conc::channel";
  explicit ConcQueue(std::size_t cap) {
    auto [t, r] = conc::channel<int>(cap);
    tx = std::move(t);
    rx = std::move(r);
  }
  void push(int v) { (void)tx.send(v); }
  int pop() { return *rx.recv(); }
  conc::Sender<int> tx;
  conc::Receiver<int> rx;
};

// moodycamel has no blocking bounded MPMC queue; a counting semaphore of
// free slots (its own LightweightSemaphore) makes one, as users do.
struct MoodyQueue {
  explicit MoodyQueue(std::size_t cap)
      : slots(cap == 0
                  ? nullptr
                  : new moodycamel::LightweightSemaphore(static_cast<moodycamel::LightweightSemaphore::ssize_t>(cap))) {
  }
  void push(int v) {
    if (slots) slots->wait();
    q.enqueue(v);
  }
  int pop() {
    int v = 0;
    q.wait_dequeue(v);
    if (slots) slots->signal();
    return v;
  }
  moodycamel::BlockingConcurrentQueue<int> q;
  std::unique_ptr<moodycamel::LightweightSemaphore> slots;
};

struct TbbQueue {
  explicit TbbQueue(std::size_t cap) {
    if (cap != 0) q.set_capacity(static_cast<std::ptrdiff_t>(cap));
  }
  void push(int v) { q.push(v); }
  int pop() {
    int v = 0;
    q.pop(v);
    return v;
  }
  tbb::concurrent_bounded_queue<int> q;
};

template <class Q>
void BM_Channel(benchmark::State& state) {
  const auto producers = static_cast<int>(state.range(0));
  const auto consumers = static_cast<int>(state.range(1));
  const auto capacity = static_cast<std::size_t>(state.range(2));
  for (auto _ : state) {
    Q q(capacity);
    std::atomic<long> sum{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < consumers; ++c) {
      threads.emplace_back([&] {
        long local = 0;
        for (int v; (v = q.pop()) != kStop;) local += v;
        sum.fetch_add(local);
      });
    }
    std::vector<std::thread> senders;
    for (int p = 0; p < producers; ++p) {
      senders.emplace_back([&] {
        for (int i = 0; i < kItems / producers; ++i) q.push(i);
      });
    }
    for (auto& t : senders) t.join();
    for (int c = 0; c < consumers; ++c) q.push(kStop);
    for (auto& t : threads) t.join();
    benchmark::DoNotOptimize(sum.load());
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}

void Shapes(benchmark::internal::Benchmark* b) {
  for (int pc : {1, 2}) {
    for (int cap : {1, 64, 1024, 0}) b->Args({pc, pc, cap});
  }
  b->ArgNames({"P", "C", "cap"})->UseRealTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_Channel, ConcQueue)->Apply(Shapes);
BENCHMARK_TEMPLATE(BM_Channel, MoodyQueue)->Apply(Shapes);
BENCHMARK_TEMPLATE(BM_Channel, TbbQueue)->Apply(Shapes);
