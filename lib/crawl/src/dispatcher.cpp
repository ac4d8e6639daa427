#include "dispatcher.h"

#include <algorithm>

namespace conc::crawl::detail {

Dispatcher::Dispatcher(const RunnerContext& context, std::span<const Job> jobs, std::span<Outcome> out)
    : context_(context), jobs_(jobs), out_(out), states_(jobs.size()) {
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    Host& h = hosts_[jobs[i].host];
    h.name = &jobs[i].host;
    h.queue.push_back(i);
  }
  for (auto& [name, host] : hosts_) ready_.push_back(&host);
}

void Dispatcher::make_ready(Host& h) {
  if (h.in_ready || h.full) return;
  h.in_ready = true;
  ready_.push_back(&h);
}

void Dispatcher::fire_timers(Clock::time_point now) {
  while (!retries_.empty() && retries_.top().first <= now) {
    const std::size_t job = retries_.top().second;
    retries_.pop();
    Host& h = hosts_.at(jobs_[job].host);
    h.queue.push_front(job);
    make_ready(h);
  }
  while (!host_timers_.empty() && host_timers_.top().first <= now) {
    Host* h = host_timers_.top().second;
    host_timers_.pop();
    make_ready(*h);
  }
}

std::optional<Dispatcher::Start> Dispatcher::next(Clock::time_point now) {
  fire_timers(now);
  while (!ready_.empty()) {
    Host& h = *ready_.front();
    ready_.pop_front();
    h.in_ready = false;
    if (h.queue.empty()) continue;
    Clock::time_point retry_at;
    if (!context_.schedule.try_start(*h.name, now, retry_at)) {
      if (retry_at == Clock::time_point::max()) {
        h.full = true;  // one of its attempts ending makes it ready again
      } else {
        host_timers_.emplace(retry_at, &h);
      }
      continue;
    }
    const std::size_t job = h.queue.front();
    h.queue.pop_front();
    make_ready(h);  // more of its jobs may start at once (per_host > 1)
    State& s = states_[job];
    if (s.requests == 0) s.started = now;
    ++s.requests;
    return Start{job, JobPolicy::method(jobs_[job], s.head_refused), JobPolicy::keep_body(jobs_[job]),
                 jobs_[job].in_scope};
  }
  return std::nullopt;
}

bool Dispatcher::attempt_done(std::size_t job, Response response, Clock::time_point now) {
  const Job& j = jobs_[job];
  State& s = states_[job];
  context_.schedule.finish(j.host, JobPolicy::host_outcome(response), context_.policy.retry_after(response), now);
  Host& h = hosts_.at(j.host);
  if (h.full) {
    h.full = false;
    make_ready(h);
  }
  if (!s.head_refused && JobPolicy::head_refused(j, response)) {
    s.head_refused = true;  // not a retry: the same check by another method
    h.queue.push_front(job);
    make_ready(h);
    return false;
  }
  if (!response.stopped) {
    if (const auto when = context_.policy.next_try(response, s.retries, now)) {
      ++s.retries;
      retries_.emplace(*when, job);
      return false;
    }
  }
  Outcome& o = out_[job];
  o.response = std::move(response);
  o.retries = s.retries;
  o.requests = s.requests;
  o.time_ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - s.started).count());
  s.finished = true;
  ++finished_;
  if (context_.progress != nullptr) context_.progress->add(1, o.response.bytes);
  return true;
}

Dispatcher::Clock::time_point Dispatcher::next_deadline(Clock::time_point now, Clock::duration longest) const {
  Clock::time_point next = now + longest;
  if (!retries_.empty()) next = std::min(next, retries_.top().first);
  if (!host_timers_.empty()) next = std::min(next, host_timers_.top().first);
  return next;
}

void Dispatcher::abandon() {
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    if (states_[i].finished) continue;
    const std::uint32_t requests = states_[i].requests;
    out_[i] = stopped_outcome();
    out_[i].requests = requests;
    states_[i].finished = true;
    ++finished_;
  }
}

}  // namespace conc::crawl::detail
