// actor: a coordinator actor owns the level's dispatcher (per-host queues,
// the host schedule's answers, retry timers) and hands attempts to fetcher
// actors, each with its own easy handle; fetched HTML goes to parser
// actors. Nothing is shared but messages: the coordinator's state is
// touched by its thread alone. The calling thread keeps time: it wakes the
// coordinator at the dispatcher's next deadline.
#include <atomic>
#include <future>
#include <variant>

#include "conc/actor.h"
#include "conc/executor.h"
#include "dispatcher.h"
#include "runner.h"

namespace conc::crawl::detail {
namespace {

using Clock = HostSchedule::Clock;

constexpr auto kLongestSleep = std::chrono::milliseconds(20);

struct Fetch {
  std::size_t job;
  Transfer::Method method;
  bool keep_body;
};
struct Parse {
  std::size_t job;
};

class ActorRunner final : public LevelRunner {
 public:
  explicit ActorRunner(const RunnerContext& context) : context_(context) {}

  void run(std::span<const Job> jobs, std::span<Outcome> out, const std::stop_token& stop) override {
    Level level(*this, jobs, out, stop);
    level.run();
  }

  void add_stats(conc::RunStats& stats) const override {
    stats.executor = "actor";
    for (const auto& [name, s] : mailboxes_) stats.channels.push_back({name, s});
  }

 private:
  // The actors of one level's run.
  class Level {
   public:
    Level(ActorRunner& runner, std::span<const Job> jobs, std::span<Outcome> out, const std::stop_token& stop)
        : runner_(runner), jobs_(jobs), out_(out), stop_(stop), dispatcher_(runner.context_, jobs, out) {}

    void run() {
      const RunnerContext& c = runner_.context_;
      std::promise<void> all_done;
      auto done = all_done.get_future();
      // The coordinator: every message is a reason to look at the queue.
      Actor<Message> coordinator([&](Message& m) { handle(m, all_done); });
      coordinator_ = &coordinator;
      for (std::size_t i = 0; i < c.transfers; ++i) {
        fetchers_.push_back(std::make_unique<Actor<Fetch>>([this, i, t = std::make_shared<Transfer>(c.options.request, c.share)](Fetch& f) {
          t->prepare(jobs_[f.job].url, f.method, f.keep_body, stop_);
          Response r = t->perform();
          coordinator_->tell(Message{Fetched{i, f.job, std::move(r)}});
        }));
        idle_.push_back(i);
      }
      for (std::size_t i = 0; i < available_cores(); ++i) {
        parsers_.push_back(std::make_unique<Actor<Parse>>([this](Parse& p) {
          parse_if_wanted(jobs_[p.job], out_[p.job]);
          coordinator_->tell(Message{Parsed{}});
        }));
      }
      coordinator.tell(Message{Tick{}});
      // Keep time: wake the coordinator at its next deadline, or on a stop.
      while (done.wait_until(next_wake()) != std::future_status::ready) {
        coordinator.tell(stop_.stop_requested() ? Message{Stop{}} : Message{Tick{}});
      }
      for (auto& f : fetchers_) f->stop();
      for (auto& p : parsers_) p->stop();
      coordinator.stop();
      runner_.mailboxes_.clear();
      runner_.mailboxes_.emplace_back("coordinator mailbox", coordinator.mailbox_stats());
    }

   private:
    struct Tick {};
    struct Stop {};
    struct Fetched {
      std::size_t fetcher;
      std::size_t job;
      Response response;
    };
    struct Parsed {};
    using Message = std::variant<Tick, Stop, Fetched, Parsed>;

    Clock::time_point next_wake() const {
      // relaxed: a hint of when to look again; a late tick only costs time.
      return Clock::time_point(Clock::duration(deadline_.load(std::memory_order_relaxed)));
    }

    void handle(Message& m, std::promise<void>& all_done) {
      if (finished_) return;
      if (auto* f = std::get_if<Fetched>(&m)) {
        idle_.push_back(f->fetcher);
        --in_flight_;
        if (dispatcher_.attempt_done(f->job, std::move(f->response), Clock::now())) {
          if (jobs_[f->job].parse && out_[f->job].response.content_type == "text/html") {
            ++parsing_;
            parsers_[next_parser_++ % parsers_.size()]->tell(Parse{f->job});
          } else {
            parse_if_wanted(jobs_[f->job], out_[f->job]);
          }
        }
      } else if (std::holds_alternative<Parsed>(m)) {
        --parsing_;
      } else if (std::holds_alternative<Stop>(m)) {
        stopping_ = true;
      }
      if (!stopping_) {
        while (!idle_.empty()) {
          const auto start = dispatcher_.next(Clock::now());
          if (!start) break;
          const std::size_t fetcher = idle_.back();
          idle_.pop_back();
          ++in_flight_;
          fetchers_[fetcher]->tell(Fetch{start->job, start->method, start->keep_body});
        }
      }
      const auto now = Clock::now();
      // relaxed: see next_wake.
      deadline_.store(dispatcher_.next_deadline(now, kLongestSleep).time_since_epoch().count(), std::memory_order_relaxed);
      const bool level_done = dispatcher_.all_finished() || (stopping_ && in_flight_ == 0);
      if (level_done && parsing_ == 0) {
        if (stopping_) dispatcher_.abandon();
        finished_ = true;
        all_done.set_value();
      }
    }

    ActorRunner& runner_;
    std::span<const Job> jobs_;
    std::span<Outcome> out_;
    const std::stop_token& stop_;
    Dispatcher dispatcher_;  // the coordinator's alone
    Actor<Message>* coordinator_ = nullptr;
    std::vector<std::unique_ptr<Actor<Fetch>>> fetchers_;
    std::vector<std::unique_ptr<Actor<Parse>>> parsers_;
    std::vector<std::size_t> idle_;  ///< fetchers with nothing to do
    std::size_t in_flight_ = 0;
    std::size_t parsing_ = 0;
    std::size_t next_parser_ = 0;
    bool stopping_ = false;
    bool finished_ = false;
    std::atomic<Clock::rep> deadline_{Clock::now().time_since_epoch().count()};
  };

  const RunnerContext& context_;
  std::vector<std::pair<std::string, ChannelStats>> mailboxes_;
};

}  // namespace

std::unique_ptr<LevelRunner> make_actor_runner(const RunnerContext& context) {
  return std::make_unique<ActorRunner>(context);
}

}  // namespace conc::crawl::detail
