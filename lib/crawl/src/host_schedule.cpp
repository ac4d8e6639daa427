#include "crawl/host_schedule.h"

#include <algorithm>
#include <cstdint>

namespace conc::crawl {
namespace {

constexpr auto kDefaultBackoff = std::chrono::seconds(1);  // a 429 without Retry-After
// Below this a halving back-off is over: spacing that short is no courtesy.
constexpr auto kBackoffEnds = std::chrono::milliseconds(10);
// How long a blocked start sleeps at most before it looks at the stop token.
constexpr auto kStopPoll = std::chrono::milliseconds(50);

HostSchedule::Clock::duration rate_spacing(double rate) {
  if (!(rate > 0)) return {};
  return std::chrono::duration_cast<HostSchedule::Clock::duration>(std::chrono::duration<double>(1.0 / rate));
}

}  // namespace

HostSchedule::HostSchedule(Politeness politeness)
    : politeness_{std::max<std::size_t>(1, politeness.per_host), politeness.rate},
      rate_spacing_(rate_spacing(politeness.rate)) {}

HostSchedule::Host& HostSchedule::host(std::string_view name) {
  auto it = hosts_.find(std::string(name));
  if (it == hosts_.end()) {
    it = hosts_.emplace(std::string(name), Host{}).first;
    it->second.limit = politeness_.per_host;
  }
  return it->second;
}

HostSchedule::Clock::duration HostSchedule::spacing(const Host& h) const {
  return std::max({rate_spacing_, h.crawl_delay, h.backoff});
}

bool HostSchedule::try_start_locked(Host& h, Clock::time_point now, Clock::time_point& retry_at) {
  if (h.in_flight >= h.limit) {
    retry_at = Clock::time_point::max();
    return false;
  }
  Clock::time_point earliest = h.next_start;
  if (h.last_start) earliest = std::max(earliest, *h.last_start + spacing(h));
  if (now < earliest) {
    retry_at = earliest;
    return false;
  }
  ++h.in_flight;
  h.last_start = now;
  return true;
}

bool HostSchedule::try_start(std::string_view name, Clock::time_point now, Clock::time_point& retry_at) {
  MutexLock lock(mutex_);
  return try_start_locked(host(name), now, retry_at);
}

bool HostSchedule::start(std::string_view name, const std::stop_token& stop) {
  MutexLock lock(mutex_);
  Host& h = host(name);  // the map never erases: the reference stays valid while we wait
  for (;;) {
    if (stop.stop_requested()) return false;
    Clock::time_point retry_at;
    const Clock::time_point now = Clock::now();
    if (try_start_locked(h, now, retry_at)) return true;
    const Clock::time_point wake = std::min(retry_at, now + kStopPoll);
    const std::uint64_t seen = changes_;
    changed_.wait_until(lock, wake, [&] {
      mutex_.assert_held();  // the wait calls this under the lock; the analysis cannot see that
      return changes_ != seen;
    });
  }
}

void HostSchedule::finish(std::string_view name, HostOutcome outcome, std::optional<Clock::duration> retry_after,
                          Clock::time_point now) {
  {
    MutexLock lock(mutex_);
    Host& h = host(name);
    if (h.in_flight > 0) --h.in_flight;
    ++changes_;
    switch (outcome) {
      case HostOutcome::kRateLimited: {
        const Clock::duration wait = retry_after.value_or(kDefaultBackoff);
        h.limit = 1;
        h.backoff = std::max<Clock::duration>(wait, kBackoffEnds);
        h.next_start = std::max(h.next_start, now + wait);
        break;
      }
      case HostOutcome::kOk:
        if (h.limit < politeness_.per_host) ++h.limit;
        h.backoff /= 2;
        if (h.backoff < kBackoffEnds) h.backoff = {};
        break;
      case HostOutcome::kFailed: break;
    }
  }
  changed_.notify_all();
}

void HostSchedule::set_crawl_delay(std::string_view name, Clock::duration delay) {
  {
    MutexLock lock(mutex_);
    host(name).crawl_delay = std::max<Clock::duration>(delay, {});
    ++changes_;
  }
  changed_.notify_all();
}

HostSchedule::HostView HostSchedule::view(std::string_view name) {
  MutexLock lock(mutex_);
  const Host& h = host(name);
  return {h.limit, h.in_flight, spacing(h)};
}

}  // namespace conc::crawl
