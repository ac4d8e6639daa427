// Which job of a level starts next, for the strategies that start
// transfers without blocking (multi, actor): per-host queues served round
// robin, the host schedule asked with try_start, its refusals and the
// retries turned into timers. Single-threaded: its owner (the event loop,
// the coordinator actor) alone calls it.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "job.h"
#include "runner.h"

namespace conc::crawl::detail {

class Dispatcher {
 public:
  using Clock = HostSchedule::Clock;

  /// An attempt to start: the job and how to request it.
  struct Start {
    std::size_t job;
    Transfer::Method method;
    bool keep_body;
    bool user_headers;  ///< the job's host is in scope
  };

  Dispatcher(const RunnerContext& context, std::span<const Job> jobs, std::span<Outcome> out);

  /// The next attempt the host schedule allows at `now`, or nothing (all
  /// queued hosts are full or spaced: see `next_deadline`). The caller
  /// must report its end with `attempt_done`.
  std::optional<Start> next(Clock::time_point now);
  /// An attempt ended with `response`. Returns true when the job is
  /// finished: its outcome is filled (the body still in it, for
  /// parse_if_wanted); false when it will be tried again.
  bool attempt_done(std::size_t job, Response response, Clock::time_point now);
  /// When `next` may have something new: the earliest timer, at most
  /// `longest` from `now`.
  [[nodiscard]] Clock::time_point next_deadline(Clock::time_point now, Clock::duration longest) const;
  [[nodiscard]] bool all_finished() const noexcept { return finished_ == jobs_.size(); }
  /// Stop: every job not finished gets a stopped outcome (attempts still
  /// running are the caller's to end first).
  void abandon();

 private:
  struct State {
    std::uint32_t retries = 0;
    std::uint32_t requests = 0;
    bool head_refused = false;
    bool finished = false;
    Clock::time_point started{};
  };
  struct Host {
    const std::string* name = nullptr;
    std::deque<std::size_t> queue;  ///< jobs waiting to start, retries first
    bool in_ready = true;           ///< listed in ready_
    bool full = false;              ///< waits for one of its attempts to end
  };

  void fire_timers(Clock::time_point now);
  void make_ready(Host& h);

  const RunnerContext& context_;
  std::span<const Job> jobs_;
  std::span<Outcome> out_;
  std::vector<State> states_;
  std::unordered_map<std::string, Host> hosts_;
  std::deque<Host*> ready_;
  using HostTimer = std::pair<Clock::time_point, Host*>;
  std::priority_queue<HostTimer, std::vector<HostTimer>, std::greater<>> host_timers_;
  using RetryTimer = std::pair<Clock::time_point, std::size_t>;
  std::priority_queue<RetryTimer, std::vector<RetryTimer>, std::greater<>> retries_;
  std::size_t finished_ = 0;
};

}  // namespace conc::crawl::detail
