// Delivery policy: what a platform's answer means and when to try again (CONTRACT.md section 5).
//
//   Decision d = classify_answer(Platform::discord, {429, {{"retry-after", "2"}}, body});
//   // d.verdict == Verdict::rate_limited, d.wait == 2 s
//   auto wait = backoff_delay(attempt, {}, jitter01);   // 1 s, 2 s, 4 s ... 5 min, with jitter
//
// Pure: answers and random draws come in as values, so every rule is table-tested.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "erralert/core/platform.hpp"

namespace erralert::core {


enum class Verdict {
  delivered,     ///< 2xx: remove from the spool
  retry,         ///< 5xx, timeout, network: back off and try again
  rate_limited,  ///< 429: wait as told, then try again (not an attempt that failed)
  permanent,     ///< other 4xx: dead-letter
  disable,       ///< the webhook is gone or refused (Discord 401/403/404, Slack no_service): dead-letter and stop
};

struct Decision {
  Verdict verdict = Verdict::delivered;
  std::chrono::milliseconds wait{0};  ///< rate_limited: how long the platform asked us to wait
  std::string reason;  ///< metrics label: rate_limited, client_error, auth_error, server_error, timeout, network
  std::string detail;  ///< short text for logs and /v1/status; never holds the URL
};

/// A platform's HTTP answer; header names lower-case.
struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

/// What an HTTP answer means for `platform`.
Decision classify_answer(Platform platform, const Answer& answer);

enum class Failure { timeout, network, tls, protocol };

/// What a failure without an HTTP answer means (always a retry; TLS errors too, since a
/// certificate can be fixed while the spool waits).
Decision classify_failure(Failure failure, std::string_view detail);

/// The wait a 429 asks for: Discord's JSON `retry_after` (seconds, fractional) or the
/// `Retry-After` header (seconds), clamped to (0, 15 min]. A value that only makes sense as
/// milliseconds (over 15 min as seconds, at most 15 min as milliseconds) is read as milliseconds.
std::chrono::milliseconds rate_limit_wait(const Answer& answer);

/// Clamps a wait in seconds as rate_limit_wait does; 1 s for zero, negative or NaN.
std::chrono::milliseconds clamp_wait_seconds(double seconds);

struct BackoffPolicy {
  std::chrono::milliseconds initial{std::chrono::seconds(1)};
  std::chrono::milliseconds max{std::chrono::minutes(5)};
  std::chrono::milliseconds give_up_after{std::chrono::hours(24)};
};

/// The wait before retry number `attempt` (0 for the first retry): initial * 2^attempt capped
/// at max, then "equal jitter": half of it fixed, half scaled by `jitter01` in [0, 1).
std::chrono::milliseconds backoff_delay(unsigned attempt, const BackoffPolicy& policy, double jitter01);

/// The platform's pacing hint from a successful answer: when X-RateLimit-Remaining is 0, how long
/// until the bucket resets (X-RateLimit-Reset-After, seconds). nullopt when there is no hint.
std::optional<std::chrono::milliseconds> bucket_exhausted_wait(const Answer& answer);

}  // namespace erralert::core
