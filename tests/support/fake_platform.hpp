// FakePlatform: a local Discord, Slack or plain-webhook endpoint that answers like the real one.
//
//   FakePlatform discord(FakePlatform::Mode::discord);             // http://127.0.0.1:PORT
//   FakePlatform tls_discord(FakePlatform::Mode::discord, ca);     // https://localhost:PORT
//   discord.push_rate_limited(0.5);                                // next request: 429
//   ... POST to discord.url() + "?wait=true" ...
//   ASSERT_TRUE(discord.wait_for_requests(2));
//   EXPECT_EQ(discord.requests()[1].json["embeds"].size(), 1);
//
// Runs on its own thread and io_context, on 127.0.0.1 and port 0; the destructor stops it
// promptly, even with answers delayed or connections open. Behaviour, per mode:
//   discord  POST /api/webhooks/{id}/{token}[?wait=true]: payload limits checked as Discord
//            does (400 code 50035 "Invalid Form Body" with an errors tree; 400 50006 for an
//            empty message); 204, or 200 with the message object when wait=true. Every answer
//            of the Discord app carries X-RateLimit-Limit/-Remaining/-Reset/-Reset-After/-Bucket.
//   slack    POST /services/T…/B…/X…: 200 "ok"; 400 invalid_payload, no_text, invalid_blocks.
//   webhook  POST anywhere: 200 {} for a JSON body, else 400.
// Scripted faults are queued and each consumes one request, in order, before normal behaviour.
// Two standing behaviours: set_down() answers every request with a status until lifted, and
// enforce_rate_limit() answers 429 as Discord does when a webhook is sent more than its limit.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_ca.hpp"

namespace erralert::testing {

class FakePlatform {
 public:
  enum class Mode { discord, slack, webhook };

  /// One request as the fake received it.
  struct Request {
    std::string method;
    std::string target;                          ///< path and query
    std::map<std::string, std::string> headers;  ///< lower-case names
    std::string body;
    nlohmann::json json;         ///< the parsed body; `is_discarded()` when it is not JSON
    std::size_t connection = 0;  ///< which accepted connection it came on, from 1
    std::chrono::steady_clock::time_point received_at;  ///< when its body had been read
    int status = 0;  ///< what the fake answered; 0 before the answer, or when it closed instead
  };

  /// Plain HTTP on 127.0.0.1.
  explicit FakePlatform(Mode mode);
  /// HTTPS on 127.0.0.1 with `tls` (e.g. `ca.server_tls()`); url() names "localhost".
  FakePlatform(Mode mode, const TlsFiles& tls);
  /// HTTPS with the CA-signed server certificate of `ca`.
  FakePlatform(Mode mode, const TestCa& ca) : FakePlatform(mode, ca.server_tls()) {}
  ~FakePlatform();
  FakePlatform(const FakePlatform&) = delete;
  FakePlatform& operator=(const FakePlatform&) = delete;

  Mode mode() const;
  /// The bound port on 127.0.0.1.
  std::uint16_t port() const;
  /// The full webhook URL, secret included, e.g. https://localhost:PORT/api/webhooks/ID/TOKEN.
  std::string url() const;
  /// The secret part of url() (the Discord or Slack token, the webhook's key), to check that
  /// it never leaks into messages.
  std::string token() const;

  /// Next request: `status` with an HTML body, as a proxy in front of the platform answers.
  void push_status(int status);
  /// Next request: 429 with Retry-After (whole seconds, rounded up) and, for Discord, the
  /// JSON body {"message": "You are being rate limited.", "retry_after": s, "global": g}.
  void push_rate_limited(double retry_after_seconds, bool global = false);
  /// Next request: `status` with a text that repeats the request's path and query ("Cannot POST
  /// /api/webhooks/1/<token>", as Express says), and a Location header naming them too.
  void push_echo_path(int status);
  /// Next request: the webhook is gone (Discord 404 code 10015, Slack 404 no_service).
  void push_not_found();
  /// Next request: read, recorded, then the connection closes without an answer.
  void push_close();
  /// Next request: answered normally, after `delay`.
  void push_delay(std::chrono::milliseconds delay);

  /// From now on every request (after the scripted faults) is answered `status` with a proxy's
  /// HTML page, as a platform that is down; set_down(0) brings it back.
  void set_down(int status);
  /// From now on a request that would make more than `count` served requests within `per`
  /// (a sliding window over arrival times) is answered 429 as Discord does (JSON retry_after,
  /// Retry-After, X-RateLimit-*), and every answer's X-RateLimit-Remaining/-Reset-After tell
  /// that window. Discord's webhook limit is the default.
  void enforce_rate_limit(std::size_t count = 5, std::chrono::milliseconds per = std::chrono::seconds(2));
  /// The 429s enforce_rate_limit() had to send.
  std::size_t rate_limited_count() const;

  /// With false, every answer carries Connection: close and the fake closes after it.
  void set_keep_alive(bool keep_alive);
  /// Closes every connection waiting for its next request, as a server's idle timeout does.
  void close_idle_connections();

  /// Every request so far, in arrival order.
  std::vector<Request> requests() const;
  std::size_t request_count() const;
  /// Waits (at most `timeout`) until at least `n` requests have arrived.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  /// TCP connections accepted so far.
  std::size_t connection_count() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Unicode code points in UTF-8 `s`: how Discord and Slack count characters.
std::size_t code_points(std::string_view s);

/// Discord's verdict on a webhook payload: nullopt when valid, else the 400 body
/// ({"code": 50035, ...} or {"code": 50006, ...}).
std::optional<nlohmann::json> discord_payload_error(const nlohmann::json& payload);

/// Slack's verdict on an incoming-webhook body: nullopt when valid, else the error text
/// (invalid_payload, no_text, invalid_blocks).
std::optional<std::string> slack_payload_error(std::string_view body);

}  // namespace erralert::testing
