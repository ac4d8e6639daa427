#include "job.h"

#include <algorithm>
#include <random>
#include <thread>

namespace conc::crawl::detail {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr auto kStopPoll = std::chrono::milliseconds(50);

// Jitter only spreads retries in time; no output depends on it.
double jitter() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.5, 1.5)(rng);
}

// Sleeps until `until` or a stop request (false).
bool sleep_until(JobPolicy::Clock::time_point until, const std::stop_token& stop) {
  while (JobPolicy::Clock::now() < until) {
    if (stop.stop_requested()) return false;
    std::this_thread::sleep_until(std::min(until, JobPolicy::Clock::now() + kStopPoll));
  }
  return !stop.stop_requested();
}

}  // namespace

std::optional<JobPolicy::Clock::duration> JobPolicy::retry_after(const Response& r) const {
  if (!r.retry_after) return std::nullopt;
  return std::min<Clock::duration>(*r.retry_after, options_.max_retry_after);
}

std::optional<JobPolicy::Clock::time_point> JobPolicy::next_try(const Response& r, std::uint32_t retries_done,
                                                                Clock::time_point now) const {
  if (!r.retryable() || retries_done >= options_.retries) return std::nullopt;
  auto backoff = std::chrono::duration<double>(kFirstBackoff) * double(1u << std::min(retries_done, 16u)) * jitter();
  auto wait = std::min<Clock::duration>(std::chrono::duration_cast<Clock::duration>(backoff), kMaxBackoff);
  if (const auto ra = retry_after(r)) wait = std::max(wait, *ra);
  return now + wait;
}

void parse_if_wanted(const Job& job, Outcome& out, LinkGraph& graph) {
  Response& r = out.response;
  if (job.parse && r.error.empty() && r.status >= 200 && r.status <= 299 && r.content_type == "text/html") {
    ParsedPage page = parse_page(r.body, job.url);
    graph.add(job.id, page.links);  // if it throws, the page stays unparsed
    out.page = std::move(page);
  }
  if (job.kind != JobKind::kRobots && job.kind != JobKind::kSitemap) std::string().swap(r.body);
}

Outcome run_blocking(const Job& job, Transfer& transfer, HostSchedule& schedule, const JobPolicy& policy,
                     LinkGraph& graph, const std::stop_token& stop) {
  Outcome out;
  const auto started = JobPolicy::Clock::now();
  bool head_refused = false;
  for (;;) {
    if (!schedule.start(job.host, stop)) {
      out.response = Response{};
      out.response.stopped = true;
      out.response.error = "stopped";
      break;
    }
    transfer.prepare(job.url, JobPolicy::method(job, head_refused), JobPolicy::keep_body(job), job.in_scope, stop);
    out.response = transfer.perform();
    ++out.requests;
    const auto now = JobPolicy::Clock::now();
    schedule.finish(job.host, JobPolicy::host_outcome(out.response), policy.retry_after(out.response), now);
    if (!head_refused && JobPolicy::head_refused(job, out.response)) {
      head_refused = true;  // not a retry: the same check by another method
      continue;
    }
    const auto next = policy.next_try(out.response, out.retries, now);
    if (!next) break;
    ++out.retries;
    if (!sleep_until(*next, stop)) break;
  }
  out.time_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(JobPolicy::Clock::now() - started).count());
  parse_if_wanted(job, out, graph);
  return out;
}

}  // namespace conc::crawl::detail
