// RetrySchedule: when a receiver may send its next notification, and what an answer does to
// it (CONTRACT.md section 5, "Pace" and "Deliver").
//
//   RetrySchedule s(windows_of(cfg.rate_limit), {initial, max, give_up_after});
//   Attempt head{.created_ms = t0};
//   if (s.due(head, now) <= now) { s.sent(now); send(); }
//   switch (s.after(head, classify_answer(platform, answer), bucket_exhausted_wait(answer), now, jitter)) {
//     case Step::done: ...    // remove from the spool
//     case Step::again: ...   // head.next_attempt_ms is set; persist it
//     case Step::dead: ...    // dead-letter; Step::disable: dead-letter and stop the receiver
//   }
//
// Pure: time and the jitter draw come in as values, so a 24-hour outage is a table test.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "erralert/core/delivery_policy.hpp"
#include "erralert/core/pacer.hpp"

namespace erralert::core {

/// The delivery history of one notification.
struct Attempt {
  std::int64_t created_ms = 0;       ///< when it was accepted (the give-up clock starts here)
  unsigned failures = 0;             ///< failed attempts (5xx, timeouts, network); 429s are not failures
  std::int64_t next_attempt_ms = 0;  ///< not before this
};

class RetrySchedule {
 public:
  enum class Step {
    done,     ///< delivered: remove it
    again,    ///< try again at `next_attempt_ms`
    dead,     ///< refused for good, or retried past give_up_after: dead-letter it
    disable,  ///< dead-letter it and send nothing more until reload
  };

  RetrySchedule(std::vector<Window> windows, BackoffPolicy policy);

  /// The earliest time `head` may be sent: its own retry time and every pacing window.
  std::int64_t due(const Attempt& head, std::int64_t now_ms) const;
  /// When the notification `behind` places after `head` could be sent, if every send succeeded
  /// (pacing alone); a projection that stops once past `stop_after_ms`. The receiver folds what
  /// waits into a digest when this says the last of it would wait past max_delay.
  std::int64_t projected_due(const Attempt& head, std::size_t behind, std::int64_t now_ms,
                             std::int64_t stop_after_ms) const;
  /// Notes a request sent at `now_ms` (it counts against the windows whatever its answer).
  void sent(std::int64_t now_ms);
  /// Applies the verdict on `head`. `bucket_wait` is the platform's hint that its bucket is
  /// empty (bucket_exhausted_wait); `jitter01` a draw in [0, 1). Sets `reason` for dead steps.
  Step after(Attempt& head, const Decision& d, std::optional<std::chrono::milliseconds> bucket_wait,
             std::int64_t now_ms, double jitter01, std::string* reason = nullptr);

  const BackoffPolicy& policy() const { return policy_; }

 private:
  Pacer pacer_;
  BackoffPolicy policy_;
};

}  // namespace erralert::core
