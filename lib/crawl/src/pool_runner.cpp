// pool: blocking transfers as tasks on the shared-queue ThreadPool, each
// worker with its own easy handle (a handle is used by one thread at a
// time, and keeps its connections from task to task).
#include <memory>

#include "conc/parallel.h"
#include "conc/thread_pool.h"
#include "conc/worker_local.h"
#include "runner.h"

namespace conc::crawl::detail {
namespace {

class PoolRunner final : public LevelRunner {
 public:
  // Blocking: a worker waits on the network, so all -j run at once (a
  // compute pool would keep one awake per core while transfers finish).
  explicit PoolRunner(const RunnerContext& context)
      : context_(context),
        pool_(context.transfers, ThreadPool::kDefaultRingCapacity, Workload::kBlocking),
        transfers_(pool_) {}

  void run(std::span<const Job> jobs, std::span<Outcome> out, const std::stop_token& stop) override {
    // One job a task (grain 1): jobs wait on the network, not the CPU.
    parallel_for(pool_, 0, jobs.size(), 1, [&](std::size_t i) {
      if (stop.stop_requested()) {
        out[i] = stopped_outcome();
        return;
      }
      auto& transfer = transfers_.local();
      if (!transfer) transfer = std::make_unique<Transfer>(context_.options.request, context_.share);
      out[i] = run_blocking(jobs[i], *transfer, context_.schedule, context_.policy, context_.graph, stop);
      if (context_.progress != nullptr) context_.progress->add(1, out[i].response.bytes);
    });
  }
  void add_stats(conc::RunStats& stats) const override {
    stats.executor = "pool";
    stats.workers = pool_.worker_stats();
  }

 private:
  const RunnerContext& context_;
  ThreadPool pool_;
  WorkerLocal<std::unique_ptr<Transfer>> transfers_;
};

}  // namespace

std::unique_ptr<LevelRunner> make_pool_runner(const RunnerContext& context) {
  return std::make_unique<PoolRunner>(context);
}

}  // namespace conc::crawl::detail
