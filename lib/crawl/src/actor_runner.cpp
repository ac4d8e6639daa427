// actor: a coordinator actor owns the level's dispatcher (per-host queues,
// the host schedule's answers, retry timers) and hands attempts to fetcher
// actors, each with its own easy handle kept across levels; fetched HTML
// goes to parser actors. Nothing is shared but messages: the coordinator's
// state is touched by its thread alone. The calling thread keeps time: it
// wakes the coordinator at the dispatcher's next deadline.
#include <atomic>
#include <exception>
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

class ActorRunner final : public LevelRunner {
 public:
  // The actors live as long as the runner, so each fetcher keeps its easy
  // handle, and with it its connections, from one level to the next.
  explicit ActorRunner(const RunnerContext& context)
      : context_(context), coordinator_([this](Message& m) { level_->handle(m); }) {
    for (std::size_t i = 0; i < context.transfers; ++i) {
      auto transfer = std::make_shared<Transfer>(context.options.request, context.share);
      fetchers_.push_back(std::make_unique<Actor<Fetch>>([this, i, transfer](Fetch& f) {
        const Level& level = *level_;
        // Whatever happens, the coordinator hears back, or the level would
        // wait for this fetch forever.
        Response r;
        try {
          transfer->prepare(level.jobs_[f.job].url, f.method, f.keep_body, f.user_headers, level.stop_);
          r = transfer->perform();
        } catch (const std::exception& e) {
          r = Response{};
          r.error = std::string("cannot fetch: ") + e.what();
        }
        // The last touch of the level: once told, it may end.
        coordinator_.tell(Message{Fetched{i, f.job, std::move(r)}});
      }));
    }
    for (std::size_t i = 0; i < available_cores(); ++i) {
      parsers_.push_back(std::make_unique<Actor<Parse>>([this](Parse& p) {
        const Level& level = *level_;
        try {
          parse_if_wanted(level.jobs_[p.job], level.out_[p.job], context_.graph);
        } catch (const std::exception& e) {  // out of memory: the page stays unparsed, the level goes on
          level.out_[p.job].response.error = std::string("cannot parse: ") + e.what();
        }
        coordinator_.tell(Message{Parsed{}});
      }));
    }
  }
  ~ActorRunner() override {
    // They tell the coordinator: stop them first (it is declared first, so
    // it is destroyed last).
    fetchers_.clear();
    parsers_.clear();
  }
  ActorRunner(const ActorRunner&) = delete;
  ActorRunner& operator=(const ActorRunner&) = delete;

  void run(std::span<const Job> jobs, std::span<Outcome> out, const std::stop_token& stop) override {
    Level level(*this, jobs, out, stop);
    // Plain, not atomic: every actor reads it in a handler, after a message
    // this thread sent later (the mailboxes order the write before the read).
    level_ = &level;
    auto done = level.all_done_.get_future();
    coordinator_.tell(Message{Tick{}});
    // Keep time: wake the coordinator at its next deadline, or on a stop.
    while (done.wait_until(level.next_wake()) != std::future_status::ready) {
      coordinator_.tell(stop.stop_requested() ? Message{Stop{}} : Message{Tick{}});
    }
    // The ticks still in the mailbox see this level, not a destroyed one:
    // the reply comes after the coordinator has handled all of them.
    coordinator_.ask(Message{Tick{}}).wait();
    level_ = nullptr;
  }

  void add_stats(conc::RunStats& stats) const override {
    stats.executor = "actor";
    stats.channels.push_back({"coordinator mailbox", coordinator_.mailbox_stats()});
  }

 private:
  struct Fetch {
    std::size_t job;
    Transfer::Method method;
    bool keep_body;
    bool user_headers;
  };
  struct Parse {
    std::size_t job;
  };
  struct Tick {};
  struct Stop {};
  struct Fetched {
    std::size_t fetcher;
    std::size_t job;
    Response response;
  };
  struct Parsed {};
  using Message = std::variant<Tick, Stop, Fetched, Parsed>;

  // One level's state: the coordinator's alone (jobs_ and out_[i] are also
  // read by the fetcher or parser a message hands job i to).
  class Level {
   public:
    Level(ActorRunner& runner, std::span<const Job> jobs, std::span<Outcome> out, const std::stop_token& stop)
        : runner_(runner), jobs_(jobs), out_(out), stop_(stop), dispatcher_(runner.context_, jobs, out) {
      for (std::size_t i = 0; i < runner.fetchers_.size(); ++i) idle_.push_back(i);
    }

    Clock::time_point next_wake() const {
      // relaxed: a hint of when to look again; a late tick only costs time.
      return Clock::time_point(Clock::duration(deadline_.load(std::memory_order_relaxed)));
    }

    void handle(Message& m) {
      if (finished_) return;
      if (auto* f = std::get_if<Fetched>(&m)) {
        idle_.push_back(f->fetcher);
        --in_flight_;
        if (dispatcher_.attempt_done(f->job, std::move(f->response), Clock::now())) {
          if (jobs_[f->job].parse && out_[f->job].response.content_type == "text/html") {
            ++parsing_;
            runner_.parsers_[next_parser_++ % runner_.parsers_.size()]->tell(Parse{f->job});
          } else {
            parse_if_wanted(jobs_[f->job], out_[f->job], runner_.context_.graph);
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
          runner_.fetchers_[fetcher]->tell(Fetch{start->job, start->method, start->keep_body, start->user_headers});
        }
      }
      const auto now = Clock::now();
      // relaxed: see next_wake.
      deadline_.store(dispatcher_.next_deadline(now, kLongestSleep).time_since_epoch().count(),
                      std::memory_order_relaxed);
      const bool level_done = dispatcher_.all_finished() || (stopping_ && in_flight_ == 0);
      if (level_done && parsing_ == 0) {
        if (stopping_) dispatcher_.abandon();
        finished_ = true;
        all_done_.set_value();
      }
    }

    ActorRunner& runner_;
    std::span<const Job> jobs_;
    std::span<Outcome> out_;
    const std::stop_token& stop_;
    std::promise<void> all_done_;

   private:
    Dispatcher dispatcher_;
    std::vector<std::size_t> idle_;  ///< fetchers with nothing to do
    std::size_t in_flight_ = 0;
    std::size_t parsing_ = 0;
    std::size_t next_parser_ = 0;
    bool stopping_ = false;
    bool finished_ = false;
    std::atomic<Clock::rep> deadline_{Clock::now().time_since_epoch().count()};
  };

  const RunnerContext& context_;
  Level* level_ = nullptr;  ///< the level being run; see run()
  Actor<Message> coordinator_;
  std::vector<std::unique_ptr<Actor<Fetch>>> fetchers_;
  std::vector<std::unique_ptr<Actor<Parse>>> parsers_;
};

}  // namespace

std::unique_ptr<LevelRunner> make_actor_runner(const RunnerContext& context) {
  return std::make_unique<ActorRunner>(context);
}

}  // namespace conc::crawl::detail
