// seq: one transfer at a time, parsed in line: the baseline.
#include "runner.h"

namespace conc::crawl::detail {
namespace {

class SeqRunner final : public LevelRunner {
 public:
  explicit SeqRunner(const RunnerContext& context)
      : context_(context), transfer_(context.options.request, context.share) {}

  void run(std::span<const Job> jobs, std::span<Outcome> out, const std::stop_token& stop) override {
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      out[i] = stop.stop_requested()
                   ? stopped_outcome()
                   : run_blocking(jobs[i], transfer_, context_.schedule, context_.policy, context_.graph, stop);
      if (context_.progress != nullptr) context_.progress->add(1, out[i].response.bytes);
    }
  }
  void add_stats(conc::RunStats& stats) const override { stats.executor = "seq"; }

 private:
  const RunnerContext& context_;
  Transfer transfer_;
};

}  // namespace

std::unique_ptr<LevelRunner> make_seq_runner(const RunnerContext& context) {
  return std::make_unique<SeqRunner>(context);
}

}  // namespace conc::crawl::detail
