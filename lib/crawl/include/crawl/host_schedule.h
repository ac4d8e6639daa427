// crawl/host_schedule.h: when each host may get its next request.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>

#include "conc/mutex.h"
#include "conc/thread_annotations.h"

namespace conc::crawl {

/// The politeness a crawl promises every host.
struct Politeness {
  std::size_t per_host = 4;  ///< requests in flight to one host at most (>= 1)
  double rate = 0;           ///< requests per second to one host at most; 0: no limit
};

/// How a request ended, as far as the host's schedule cares.
enum class HostOutcome {
  kOk,           ///< any answer but 429 (a 404 is the page's problem, not load)
  kRateLimited,  ///< 429 Too Many Requests: back off
  kFailed,       ///< no answer (timeout, reset): changes nothing here
};

/// Schedules requests per host, for every crawl strategy: at most
/// `per_host` in flight, starts spaced by the slowest of 1/rate, the host's
/// robots.txt Crawl-delay and its back-off, and a back-off after a 429: the
/// host's concurrency drops to 1 and its starts are spaced by the
/// Retry-After (1 s without one); each later success restores one more
/// concurrent request and halves the spacing, so a rate-limited site slows
/// the crawl instead of failing it.
///
/// Thread-safe (one mutex; a crawl makes at most thousands of requests a
/// second, far below what it serialises). `try_start`/`finish` take the
/// time as an argument, so an event loop passes its own clock and tests
/// pass a fake one; `start` is the blocking form for threads.
class HostSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  explicit HostSchedule(Politeness politeness);

  /// Takes a request slot of `host` if one is free and the host's spacing
  /// allows a start at `now`. Otherwise returns false and sets `retry_at`
  /// to when the spacing next allows one, or Clock::time_point::max() when
  /// only a `finish` of this host can free a slot.
  bool try_start(std::string_view host, Clock::time_point now, Clock::time_point& retry_at);
  /// Blocks until a slot of `host` is taken (true) or `stop` is requested
  /// (false), waking when a request of the host finishes or its spacing
  /// allows.
  bool start(std::string_view host, const std::stop_token& stop);
  /// Frees the slot a request took and adapts the host's schedule to how
  /// it ended; `retry_after` is the server's Retry-After, already clamped.
  void finish(std::string_view host, HostOutcome outcome, std::optional<Clock::duration> retry_after,
              Clock::time_point now);
  /// The host's robots.txt Crawl-delay: at least this between its starts.
  void set_crawl_delay(std::string_view host, Clock::duration delay);

  /// The host's current limits (for tests and --stats).
  struct HostView {
    std::size_t limit = 0;      ///< requests in flight allowed now
    std::size_t in_flight = 0;  ///< requests started and not finished
    Clock::duration spacing{};  ///< the least time between two starts now
  };
  [[nodiscard]] HostView view(std::string_view host);

 private:
  struct Host {
    std::size_t limit = 1;
    std::size_t in_flight = 0;
    Clock::duration crawl_delay{};
    Clock::duration backoff{};       ///< after a 429; halves with each success
    Clock::time_point next_start{};  ///< the earliest allowed start
    std::optional<Clock::time_point> last_start;
  };
  Host& host(std::string_view name) REQUIRES(mutex_);
  [[nodiscard]] Clock::duration spacing(const Host& h) const;
  bool try_start_locked(Host& h, Clock::time_point now, Clock::time_point& retry_at) REQUIRES(mutex_);

  const Politeness politeness_;
  const Clock::duration rate_spacing_;  ///< 1/rate, or zero
  Mutex mutex_;
  CondVar changed_;                               ///< a request finished or a delay changed
  std::uint64_t changes_ GUARDED_BY(mutex_) = 0;  ///< counts those events, for waits
  std::unordered_map<std::string, Host> hosts_ GUARDED_BY(mutex_);
};

}  // namespace conc::crawl
