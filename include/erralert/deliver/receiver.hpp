// Receiver: where notifications leave erralert (console, Discord, Slack, webhook).
//
//   std::unique_ptr<Receiver> r = make_receiver(cfg.receivers[0], ctx);
//   r->deliver(std::move(notification));   // never blocks; the receiver queues and paces
//
// A new HTTP platform is one row of the platform table (core/platform.hpp) and its renderer.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "erralert/config/config.hpp"
#include "erralert/core/clock.hpp"
#include "erralert/core/metrics.hpp"
#include "erralert/core/notification.hpp"
#include "erralert/core/outbox.hpp"
#include "erralert/net/https_client.hpp"
#include "erralert/store/state_store.hpp"

namespace erralert::deliver {

enum class ReceiverState {
  ready,     ///< delivering, or waiting to
  disabled,  ///< refused for good by its platform, or unusable as configured: until reload
};

/// "ready", "disabled".
std::string_view to_string(ReceiverState s);

class Receiver {
 public:
  virtual ~Receiver() = default;

  /// The receiver's configured name: the only way it is ever named (its URL is a secret).
  virtual const std::string& name() const = 0;
  /// Takes a notification; never blocks and never drops it. While one of the same group waits,
  /// the receiver may merge the two.
  virtual void deliver(core::Notification n) = 0;
  /// Pushes out what deliver() buffered; called after each batch of events.
  virtual void flush() = 0;
  /// Notifications accepted and not yet delivered.
  virtual std::size_t queue_depth() const = 0;
  /// Events those notifications account for.
  virtual std::uint64_t backlog_events() const = 0;
  virtual ReceiverState state() const = 0;
  /// Why it is disabled ("webhook deleted (404)"), empty when ready; never contains the URL.
  virtual std::string state_reason() const = 0;
  /// Last delivery error, URL-free; empty when none.
  virtual std::string last_error() const = 0;
  /// How long the first waiting notification (and so every one behind it) waits before its
  /// next attempt, for its pace or a retry; nullopt when nothing waits or it is being sent.
  virtual std::optional<std::chrono::milliseconds> next_attempt_in() const { return std::nullopt; }
  /// Stops it and hands over what waits (in flight included), for its successor at a reload;
  /// empty for a receiver that keeps nothing waiting.
  virtual std::vector<core::Outbox::Item> take_backlog() = 0;
  /// Folds everything waiting (but the one in flight) into one digest, because the store is past
  /// storage.max_bytes; how many notifications folded.
  virtual std::size_t compact() = 0;
  /// Delivers what can be delivered before `deadline`; what is left stays in the store.
  virtual boost::asio::awaitable<void> drain(std::chrono::steady_clock::time_point deadline) = 0;
};

/// Fleet mode's pacing (CONTRACT.md section 8): a receiver's request budget shared by every
/// sidecar that sends to the same webhook, and a platform's "wait" heard by all of them.
class SharedPace {
 public:
  virtual ~SharedPace() = default;
  /// 0 when one request to the webhook `pace_id` may go now (and is counted for the fleet),
  /// else how long to wait; nullopt when the fleet cannot be asked (pace alone).
  virtual boost::asio::awaitable<std::optional<std::chrono::milliseconds>> acquire(
      const std::string& pace_id, const std::vector<config::RateWindow>& windows) = 0;
  /// The platform asked every sender to wait `wait` (a 429, an exhausted bucket).
  virtual void hold(const std::string& pace_id, std::chrono::milliseconds wait) = 0;
};

/// The name fleet mode paces a webhook by: a digest of its URL, so sidecars that name it
/// differently still share its budget, and the URL (a secret) never reaches Redis.
std::string pace_id(const config::Receiver& cfg);

/// What every receiver may use.
struct ReceiverContext {
  boost::asio::any_io_executor executor;
  const core::Clock* clock = nullptr;
  core::Metrics* metrics = nullptr;
  store::SpoolWriter* store = nullptr;  ///< where HTTP receivers keep what waits
  std::FILE* console = stdout;  ///< where console receivers write
  /// Makes the HTTP client of a receiver; empty: net::HttpsClient to its URL (tests pass a fake).
  std::function<std::unique_ptr<net::HttpClient>(const config::Receiver&)> make_client;
  SharedPace* shared_pace = nullptr;  ///< fleet mode; null: each receiver paces alone
};

/// Builds the receiver `cfg` describes, with `backlog` waiting (what the store or a predecessor
/// held for it). Throws std::runtime_error for a type it cannot build.
std::unique_ptr<Receiver> make_receiver(const config::Receiver& cfg, const ReceiverContext& ctx,
                                        std::vector<core::Outbox::Item> backlog = {});

}  // namespace erralert::deliver
