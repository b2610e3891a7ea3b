// Delivery policy: status codes, platform error bodies and rate-limit hints read defensively.
#include "erralert/core/delivery_policy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "erralert/core/text.hpp"

namespace erralert::core {
namespace {

using std::chrono::milliseconds;

constexpr double kMaxWaitSeconds = 15 * 60;
constexpr milliseconds kDefaultRateLimitWait{1000};

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<double> header_number(const Answer& a, const std::string& name) {
  auto it = a.headers.find(name);
  return it == a.headers.end() ? std::nullopt : parse_number(it->second);
}

/// Discord's 429 body: {"message": "...", "retry_after": 0.5, "global": false}.
std::optional<double> json_retry_after(const Answer& a) {
  auto j = nlohmann::json::parse(a.body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto it = j.find("retry_after");
  if (it == j.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  return std::isfinite(v) ? std::optional(v) : std::nullopt;
}

/// First line of a platform's error body, short, for logs ("invalid_payload", "Unknown Webhook").
std::string body_summary(const Answer& a) {
  auto j = nlohmann::json::parse(a.body, nullptr, false);
  std::string text;
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    text = j["message"].get<std::string>();
  } else {
    text = a.body.substr(0, a.body.find('\n'));
  }
  if (text.size() > 120) text.resize(120);
  // Keep it printable: bodies come from the network.
  for (auto& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return text;
}

Decision http_decision(Verdict v, std::string reason, const Answer& a) {
  std::string detail = "HTTP " + std::to_string(a.status);
  if (auto s = body_summary(a); !s.empty()) detail += ": " + s;
  return {v, milliseconds{0}, std::move(reason), std::move(detail)};
}

}  // namespace

milliseconds clamp_wait_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds <= 0) return kDefaultRateLimitWait;
  if (seconds > kMaxWaitSeconds) {
    // 1500 "seconds" is far likelier to be 1500 ms than 25 minutes.
    if (seconds / 1000.0 <= kMaxWaitSeconds) seconds /= 1000.0;
    else seconds = kMaxWaitSeconds;
  }
  const auto ms = static_cast<long long>(std::ceil(seconds * 1000.0));
  return milliseconds{std::max<long long>(ms, 1)};
}

milliseconds rate_limit_wait(const Answer& a) {
  if (auto v = json_retry_after(a)) return clamp_wait_seconds(*v);
  if (auto v = header_number(a, "retry-after")) return clamp_wait_seconds(*v);
  if (auto v = header_number(a, "x-ratelimit-reset-after")) return clamp_wait_seconds(*v);
  return kDefaultRateLimitWait;
}

Decision classify_answer(Platform p, const Answer& a) {
  const int s = a.status;
  if (s >= 200 && s < 300) return {Verdict::delivered, milliseconds{0}, "", ""};
  if (s == 429) {
    Decision d = http_decision(Verdict::rate_limited, "rate_limited", a);
    d.wait = rate_limit_wait(a);
    return d;
  }
  if (s >= 500 || s == 408) return http_decision(Verdict::retry, "server_error", a);
  if (platform_info(p).gone(s)) {
    return http_decision(Verdict::disable, s == 401 || s == 403 ? "auth_error" : "client_error", a);
  }
  if (s == 401 || s == 403) return http_decision(Verdict::permanent, "auth_error", a);
  if (s >= 400) return http_decision(Verdict::permanent, "client_error", a);
  // 1xx/3xx: webhooks do not redirect; treat like a server fault and retry later.
  return http_decision(Verdict::retry, "server_error", a);
}

Decision classify_failure(Failure f, std::string_view detail) {
  const char* reason = f == Failure::timeout ? "timeout" : "network";
  return {Verdict::retry, milliseconds{0}, reason, std::string(detail)};
}

milliseconds backoff_delay(unsigned attempt, const BackoffPolicy& policy, double jitter01) {
  const double base = static_cast<double>(policy.initial.count()) * std::pow(2.0, std::min(attempt, 40u));
  const double capped = std::min(base, static_cast<double>(policy.max.count()));
  const double j = std::clamp(jitter01, 0.0, 1.0);
  return milliseconds{static_cast<long long>(capped / 2 + capped / 2 * j)};
}

std::optional<milliseconds> bucket_exhausted_wait(const Answer& a) {
  auto remaining = header_number(a, "x-ratelimit-remaining");
  if (!remaining || *remaining > 0) return std::nullopt;
  auto reset_after = header_number(a, "x-ratelimit-reset-after");
  if (!reset_after) return std::nullopt;
  return clamp_wait_seconds(*reset_after);
}

}  // namespace erralert::core
