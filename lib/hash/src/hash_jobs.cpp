#include "hash/hash_jobs.h"

#include <algorithm>
#include <cerrno>
#include <numeric>
#include <optional>
#include <vector>

#include "common/diagnostics.h"
#include "common/input.h"
#include "conc/parallel.h"
#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"
#include "hash/blake3_tree.h"
#include "hash/update_guarded.h"
#include "strategies.h"

namespace conc::hash {
namespace detail {

std::span<char> thread_buffer(std::size_t size) {
  thread_local std::vector<char> buffer;
  if (buffer.size() != size) buffer.assign(size, '\0');
  return buffer;
}

void deliver_in_order(Receiver<Indexed>& results, const OutcomeSink& sink, std::stop_source& halt) {
  InOrder order(sink, halt.get_token());
  std::exception_ptr failure;
  for (Indexed& item : results) {
    if (halt.stop_requested()) continue;  // drain: the workers still hold senders
    try {
      order.add(item.first, std::move(item.second));
    } catch (...) {
      failure = std::current_exception();
      halt.request_stop();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace detail

namespace {

using detail::Indexed;

conc::RunStats run_seq(std::span<const Job> jobs, const EngineOptions& o, std::stop_source& halt,
                       common::ProgressBar* progress, const OutcomeSink& sink) {
  const auto stop = halt.get_token();
  for (std::size_t i = 0; i < jobs.size() && !stop.stop_requested(); ++i) {
    Outcome out = hash_one(jobs[i], o.io, detail::thread_buffer(o.block_size), stop, progress);
    if (stop.stop_requested()) break;
    sink(i, std::move(out));
  }
  return {};
}

// Delivers what the pool's tasks send, then reports the pool's and the channel's counters.
conc::RunStats deliver_from(const Executor& pool, Receiver<Indexed>& outcomes, const OutcomeSink& sink,
                            std::stop_source& halt) {
  detail::deliver_in_order(outcomes, sink, halt);
  conc::RunStats stats;
  stats.workers = pool.worker_stats();
  stats.channels.push_back({"outcomes", outcomes.stats()});
  return stats;
}

// One task per file, posted in input order to the one shared queue.
conc::RunStats run_pool(std::span<const Job> jobs, const EngineOptions& o, std::stop_source& halt,
                        common::ProgressBar* progress, const OutcomeSink& sink) {
  ThreadPool pool(o.threads);
  auto [tx, rx] = conc::unbounded<Indexed>();
  const auto stop = halt.get_token();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    pool.post([&, tx, i]() mutable {
      if (stop.stop_requested()) return;
      (void)tx.send({i, hash_one(jobs[i], o.io, detail::thread_buffer(o.block_size), stop, progress)});
    });
  }
  tx.reset();  // the channel closes when the last task is done
  return deliver_from(pool, rx, sink, halt);
}

// Files sorted biggest first and split recursively in halves: the worker
// that starts takes the biggest file, thieves take the oldest (largest)
// remaining halves, so one huge file never starts last. A BLAKE3 file is
// split inside as well, into subtrees on the same pool: files and subtrees
// balance together.
conc::RunStats run_steal(std::span<const Job> jobs, const EngineOptions& o, std::stop_source& halt,
                         common::ProgressBar* progress, const OutcomeSink& sink) {
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return jobs[a].size > jobs[b].size; });
  WorkStealingPool pool(o.threads);
  auto [tx, rx] = conc::unbounded<Indexed>();
  const auto stop = halt.get_token();
  pool.post([&, tx]() mutable {
    parallel_for(pool, 0, order.size(), 1, [&](std::size_t k) {
      if (stop.stop_requested()) return;
      const std::size_t i = order[k];
      (void)tx.send({i, hash_one(jobs[i], o.io, detail::thread_buffer(o.block_size), stop, progress, &pool)});
    });
  });
  tx.reset();
  return deliver_from(pool, rx, sink, halt);
}

constexpr common::StrategyInfo<Strategy> kStrategies[] = {
    {Strategy::kSteal, "steal",
     "files biggest first, split recursively over the WorkStealingPool (a BLAKE3 file into subtrees too)", true},
    {Strategy::kPool, "pool", "one task per file, in input order, on the shared-queue ThreadPool", false},
    {Strategy::kChannels, "channels",
     "-j readers stream blocks over bounded channels to as many hasher threads (I/O apart from CPU)", false},
    {Strategy::kSeq, "seq", "one thread, one file after another: the baseline", false},
};

}  // namespace

std::span<const common::StrategyInfo<Strategy>> strategies() noexcept { return kStrategies; }

Outcome hash_one(const Job& job, IoMode io, std::span<char> buffer, const std::stop_token& stop,
                 common::ProgressBar* progress, Executor* split) {
  Outcome out;
  auto account = [&](std::size_t n) {
    out.bytes += n;
    if (progress != nullptr) progress->add(0, n);
  };
  try {
    if (job.stdin_rest) {
      out.hex = common::Digest(job.digest).hex();
      if (progress != nullptr) progress->add(1, 0);
      return out;
    }
    common::Input source = common::Input::open(job.path, job.is_stdin);
    if (split != nullptr && job.digest.algo == common::Algo::kBlake3 && source.is_sized() &&
        source.size() > buffer.size()) {
      std::optional<common::MappedInput> map;
      if (io == IoMode::kMmap) map.emplace(source);
      auto hex = blake3_tree_hex(job.digest, {map ? map->data() : nullptr, &source}, source.size(), buffer.size(),
                                 *split, stop, progress);
      if (hex) {
        out.hex = std::move(*hex);
        out.bytes = source.size();
      } else {
        out.error = "interrupted";
      }
      if (progress != nullptr) progress->add(1, 0);
      return out;
    }
    common::Digest digest(job.digest);
    if (io == IoMode::kMmap && source.is_sized()) {
      const common::MappedInput map(source);
      for (std::uint64_t at = 0; at < map.size() && !stop.stop_requested();) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), map.size() - at));
        update_guarded(digest, map.data() + at, n);
        at += n;
        account(n);
      }
    } else {
      while (!stop.stop_requested()) {
        const std::size_t n = source.read(buffer, stop);
        if (n == 0) break;
        digest.update(buffer.data(), n);
        account(n);
      }
    }
    if (stop.stop_requested()) {
      out.error = "interrupted";
    } else {
      out.hex = digest.hex();
    }
  } catch (const common::InputError& e) {
    out.error = common::exception_reason(e);
    out.missing = e.error_number() == ENOENT;
  }
  if (progress != nullptr) progress->add(1, 0);
  return out;
}

conc::RunStats hash_jobs(std::span<const Job> jobs, const EngineOptions& requested, std::stop_token stop,
                         common::ProgressBar* progress, const OutcomeSink& sink) {
  EngineOptions options = requested;
  options.threads = thread_count(requested.threads);  // resolved once: 0 is every core
  std::stop_source halt;
  const std::stop_callback forward(stop, [&] { halt.request_stop(); });
  if (progress != nullptr) {
    std::uint64_t bytes = 0;
    for (const auto& j : jobs) bytes += j.size;
    progress->set_total(jobs.size(), bytes);
  }
  std::vector<Job> marked;  // a copy only when "-" comes more than once
  if (std::count_if(jobs.begin(), jobs.end(), [](const Job& j) { return j.is_stdin; }) > 1) {
    marked.assign(jobs.begin(), jobs.end());
    bool first = true;
    for (Job& j : marked) {
      if (!j.is_stdin) continue;
      j.stdin_rest = !first;
      first = false;
    }
    jobs = marked;
  }
  std::uint64_t bytes = 0;  // of the outcomes delivered, counted on this thread
  const OutcomeSink counted = [&](std::size_t i, Outcome&& out) {
    bytes += out.bytes;
    sink(i, std::move(out));
  };
  conc::RunStats stats;
  switch (options.strategy) {
    case Strategy::kSeq: stats = run_seq(jobs, options, halt, progress, counted); break;
    case Strategy::kPool: stats = run_pool(jobs, options, halt, progress, counted); break;
    case Strategy::kSteal: stats = run_steal(jobs, options, halt, progress, counted); break;
    case Strategy::kChannels: stats = detail::run_block_pipeline(jobs, options, halt, progress, counted); break;
  }
  stats.executor = std::string(common::strategy_info(strategies(), options.strategy).name);
  stats.items = jobs.size();
  stats.bytes = bytes;
  stats.work_unit = "byte";
  stats.work = bytes;
  return stats;
}

}  // namespace conc::hash
