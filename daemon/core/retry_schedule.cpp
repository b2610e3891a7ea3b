// RetrySchedule: pacing windows, platform holds and backoff, combined per receiver.
#include "erralert/core/retry_schedule.hpp"

#include <algorithm>
#include <utility>

namespace erralert::core {

RetrySchedule::RetrySchedule(std::vector<Window> windows, BackoffPolicy policy)
    : pacer_(std::move(windows)), policy_(policy) {}

std::int64_t RetrySchedule::due(const Attempt& head, std::int64_t now_ms) const {
  return std::max(pacer_.next_allowed(now_ms), head.next_attempt_ms);
}

std::int64_t RetrySchedule::projected_due(const Attempt& head, std::size_t behind, std::int64_t now_ms,
                                          std::int64_t stop_after_ms) const {
  return pacer_.projected(due(head, now_ms), behind, stop_after_ms);
}

void RetrySchedule::sent(std::int64_t now_ms) { pacer_.record(now_ms); }

RetrySchedule::Step RetrySchedule::after(Attempt& head, const Decision& d,
                                         std::optional<std::chrono::milliseconds> bucket_wait,
                                         std::int64_t now_ms, double jitter01, std::string* reason) {
  auto set_reason = [&](std::string text) {
    if (reason) *reason = std::move(text);
  };
  if (bucket_wait) pacer_.hold_until(now_ms + bucket_wait->count());
  switch (d.verdict) {
    case Verdict::delivered: return Step::done;
    case Verdict::permanent: set_reason(d.detail); return Step::dead;
    case Verdict::disable: set_reason(d.detail); return Step::disable;
    case Verdict::rate_limited:
      // The platform told us when; the whole receiver waits, and the try does not count.
      pacer_.hold_until(now_ms + d.wait.count());
      head.next_attempt_ms = now_ms + d.wait.count();
      break;
    case Verdict::retry:
      head.next_attempt_ms = now_ms + backoff_delay(head.failures, policy_, jitter01).count();
      ++head.failures;
      break;
  }
  if (now_ms - head.created_ms >= policy_.give_up_after.count()) {
    set_reason("gave up after " + std::to_string(head.failures) + " failed attempts: " + d.detail);
    return Step::dead;
  }
  return Step::again;
}

}  // namespace erralert::core
