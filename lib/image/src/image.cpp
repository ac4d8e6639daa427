#include "image/image.h"

#include <array>
#include <exception>

#include "batch_plan.h"
#include "conc/task_group.h"
#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"
#include "image_job.h"
#include "strip_pipeline.h"

namespace conc::image {
namespace {

constexpr std::array<common::StrategyInfo<Strategy>, 5> kStrategies = {{
    {Strategy::kChannels, "channels",
     "decode -> each filter -> encode as stages joined by bounded channels of row strips (the libvips design), "
     "one such lane per worker on a batch; memory bounded by the strips in flight",
     true},
    {Strategy::kSeq, "seq", "one thread: images one after another, row bands one after another"},
    {Strategy::kImages, "images", "one image per task on the shared-queue ThreadPool, each filtered on one thread"},
    {Strategy::kPool, "pool", "images one after another, each split into row bands on the shared-queue ThreadPool"},
    {Strategy::kSteal, "steal", "images as tasks and row bands as sub-tasks on the WorkStealingPool"},
}};

// Opens and processes one image whole; the outcome lands in its record.
void process_whole(const Options& options, BatchPlan& plan, const PlannedImage& planned, StageClock& clock,
                   BandRunner& bands, common::Diagnostics& diag, const std::stop_token& stop,
                   common::ProgressBar* progress) {
  if (stop.stop_requested()) return;
  ImageJob job(options, planned, clock);
  std::string error;
  bool finished = true;
  try {
    job.open();
    finished = run_whole(job, bands, stop);
  } catch (const std::exception& e) {
    error = common::exception_reason(e);
  }
  if (!finished) return;  // interrupted: no report, no file
  finish_record(plan.records[planned.record], job, error, false, diag);
  if (progress != nullptr) progress->add(1, planned.size);
}

void add_stage(conc::RunStats& stats, const char* name, std::chrono::nanoseconds busy, std::uint64_t pixels,
               std::size_t workers, std::uint64_t images) {
  conc::StageStats s;
  s.name = name;
  s.items = images;  // a whole image is the batch these strategies hand on
  s.workers = workers;
  s.busy = busy;
  s.units = pixels;
  s.unit = "pixel";
  stats.stages.push_back(std::move(s));
}

}  // namespace

std::span<const common::StrategyInfo<Strategy>> strategies() noexcept { return kStrategies; }

Result process_images(const Options& options, common::Diagnostics& diag, std::stop_token stop,
                      common::ProgressBar* progress) {
  BatchPlan plan = plan_batch(options, diag, stop);
  if (options.shard) keep_shard(plan, *options.shard, options.read);
  Result result;
  StageClock clock;
  std::uint64_t bytes = 0;
  for (const auto& img : plan.images) bytes += img.size;
  if (progress != nullptr) progress->set_total(plan.images.size(), bytes);
  const std::size_t threads = conc::thread_count(options.threads);

  switch (options.strategy) {
    case Strategy::kSeq: {
      SequentialBands bands(stop);
      for (const auto& img : plan.images) process_whole(options, plan, img, clock, bands, diag, stop, progress);
      break;
    }
    case Strategy::kImages: {
      ThreadPool pool(threads);
      {
        TaskGroup group(pool);
        for (const auto& img : plan.images) {
          group.run([&, &img = img] {
            SequentialBands bands(stop);
            process_whole(options, plan, img, clock, bands, diag, stop, progress);
          });
        }
        group.wait();
      }
      result.stats.workers = pool.worker_stats();
      break;
    }
    case Strategy::kPool: {
      ThreadPool pool(threads);
      ExecutorBands bands(pool, stop);
      for (const auto& img : plan.images) process_whole(options, plan, img, clock, bands, diag, stop, progress);
      result.stats.workers = pool.worker_stats();
      break;
    }
    case Strategy::kSteal: {
      WorkStealingPool pool(threads);
      {
        TaskGroup group(pool);
        for (const auto& img : plan.images) {
          group.run([&, &img = img] {
            ExecutorBands bands(pool, stop);
            process_whole(options, plan, img, clock, bands, diag, stop, progress);
          });
        }
        group.wait();
      }
      result.stats.workers = pool.worker_stats();
      break;
    }
    case Strategy::kChannels: run_strip_pipeline(options, plan, clock, diag, stop, progress, result.stats); break;
  }

  result.stages = clock.totals();
  result.stats.executor = std::string(common::strategy_info(strategies(), options.strategy).name);
  result.stats.items = plan.images.size();
  result.stats.bytes = bytes;
  result.stats.work_unit = "pixel";
  result.stats.work = result.stages.pixels_decoded;
  if (options.strategy != Strategy::kChannels) {
    // The whole-image strategies have no stage threads: report where the
    // time went, summed over the workers, so the bottleneck is still named.
    const std::uint64_t n = plan.images.size();
    add_stage(result.stats, "decode", result.stages.decode, result.stages.pixels_decoded, 1, n);
    add_stage(result.stats, "filter", result.stages.filter, result.stages.pixels_filtered,
              options.strategy == Strategy::kSeq ? 1 : threads, n);
    add_stage(result.stats, "encode", result.stages.encode, result.stages.pixels_encoded, 1, n);
  } else {
    result.stats.counts.push_back({"images rendered whole (could not stream)", result.stages.whole_images});
  }
  remove_unused_directories(plan);
  result.images = std::move(plan.records);
  result.unreadable = plan.walk_errors;
  return result;
}

}  // namespace conc::image
