// multi: one curl_multi event loop on the calling thread runs up to -j
// transfers at once; HTML bodies are parsed on the WorkStealingPool while
// the loop goes on. Only the loop talks to libcurl and to the dispatcher,
// so neither needs a lock.
#include <curl/curl.h>

#include <atomic>
#include <unordered_map>

#include "conc/executor.h"
#include "conc/task_group.h"
#include "conc/work_stealing_pool.h"
#include "dispatcher.h"
#include "runner.h"

namespace conc::crawl::detail {
namespace {

using Clock = HostSchedule::Clock;

// The longest poll: a safety net; finishing transfers, a parse that frees
// the backlog and a stop request each wake the poll at once.
constexpr auto kLongestPoll = std::chrono::milliseconds(20);

class MultiRunner final : public LevelRunner {
 public:
  explicit MultiRunner(const RunnerContext& context)
      : context_(context), multi_(curl_multi_init()), parsers_(available_cores()) {
    if (multi_ == nullptr) throw std::bad_alloc();
    for (std::size_t i = 0; i < context.transfers; ++i) {
      transfers_.push_back(std::make_unique<Transfer>(context.options.request, context.share));
    }
  }
  ~MultiRunner() override { curl_multi_cleanup(multi_); }
  MultiRunner(const MultiRunner&) = delete;
  MultiRunner& operator=(const MultiRunner&) = delete;

  void run(std::span<const Job> jobs, std::span<Outcome> out, const std::stop_token& stop) override {
    Dispatcher dispatcher(context_, jobs, out);
    // Declared before the parse tasks' group, whose destructor waits for
    // them: they use these to the end, even when the loop throws.
    std::atomic<std::size_t> parsing_now{0};
    const std::size_t backlog = 4 * transfers_.size();
    TaskGroup parsing(parsers_);
    std::vector<Transfer*> idle;
    for (auto& t : transfers_) idle.push_back(t.get());
    std::unordered_map<CURL*, Transfer*> busy;
    // A stop request wakes the poll at once instead of at its next timeout.
    const std::stop_callback wake(stop, [this] { curl_multi_wakeup(multi_); });
    // Bodies waiting for a parser are bounded (backlog): no new transfer
    // while more than that many wait.

    while (!dispatcher.all_finished() && !stop.stop_requested()) {
      // relaxed: a bound on memory, not a synchronisation.
      while (!idle.empty() && parsing_now.load(std::memory_order_relaxed) < backlog) {
        const auto start = dispatcher.next(Clock::now());
        if (!start) break;
        Transfer* t = idle.back();
        idle.pop_back();
        t->prepare(jobs[start->job].url, start->method, start->keep_body, start->user_headers, stop);
        t->set_tag(reinterpret_cast<void*>(start->job));  // NOLINT(performance-no-int-to-ptr): an index as tag
        curl_multi_add_handle(multi_, t->handle());
        busy.emplace(t->handle(), t);
      }
      int running = 0;
      curl_multi_perform(multi_, &running);
      int left = 0;
      bool finished_any = false;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        finished_any = true;
        CURL* easy = msg->easy_handle;
        const CURLcode code = msg->data.result;
        Transfer* t = busy.at(easy);
        busy.erase(easy);
        curl_multi_remove_handle(multi_, easy);
        const auto job = reinterpret_cast<std::size_t>(Transfer::tag_of(easy));
        Response response = t->finish(code);
        idle.push_back(t);
        if (!dispatcher.attempt_done(job, std::move(response), Clock::now())) continue;
        if (jobs[job].parse && out[job].response.content_type == "text/html") {
          parsing_now.fetch_add(1, std::memory_order_relaxed);  // relaxed: see above
          parsing.run([&, job] {
            parse_if_wanted(jobs[job], out[job], context_.graph);
            // relaxed: see above. The loop may be polling because the
            // backlog was full: this parse ending lets it start another.
            if (parsing_now.fetch_sub(1, std::memory_order_relaxed) == backlog) curl_multi_wakeup(multi_);
          });
        } else {
          parse_if_wanted(jobs[job], out[job], context_.graph);
        }
      }
      if (dispatcher.all_finished()) break;
      // A finished transfer freed a handle and maybe its host's slot: start
      // the next ones before waiting, or every transfer would wait out a
      // whole poll timeout with nothing in flight.
      if (finished_any) continue;
      const auto now = Clock::now();
      // With every handle busy, or the parse backlog full, no job can start
      // whatever the host schedule says: only a transfer's socket or a
      // parse's wake-up can change that. (Waiting for the schedule's
      // deadline here spun the loop at poll(0), starving the parsers.)
      // relaxed: see above.
      const bool blocked = idle.empty() || parsing_now.load(std::memory_order_relaxed) >= backlog;
      const auto until = blocked ? now + kLongestPoll : dispatcher.next_deadline(now, kLongestPoll);
      const auto ms = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
      curl_multi_poll(multi_, nullptr, 0, static_cast<int>(std::max<long long>(ms, 0)), nullptr);
    }
    if (stop.stop_requested()) {
      for (auto& [easy, t] : busy) curl_multi_remove_handle(multi_, easy);
      dispatcher.abandon();
    }
    parsing.wait();
  }

  void add_stats(conc::RunStats& stats) const override {
    stats.executor = "multi";
    stats.workers = parsers_.worker_stats();
  }

 private:
  const RunnerContext& context_;
  CURLM* multi_;
  std::vector<std::unique_ptr<Transfer>> transfers_;
  WorkStealingPool parsers_;
};

}  // namespace

std::unique_ptr<LevelRunner> make_multi_runner(const RunnerContext& context) {
  return std::make_unique<MultiRunner>(context);
}

}  // namespace conc::crawl::detail
