// Intake: where every transport hands its bytes in; parses, counts, and queues events.
//
//   Intake in(ex, cfg, metrics, clock, host);
//   Intake::BodyAnswer a = in.submit_body(body, core::BodyFormat::json, "payment-api");
//   if (a.queue_full) reply 503; else reply 202 with a.result.rejected
//
// The queue is bounded: HTTP gets 503 when a body does not fit, Unix readers wait for space.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <vector>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "erralert/config/config.hpp"
#include "erralert/core/clock.hpp"
#include "erralert/core/metrics.hpp"
#include "erralert/core/parse.hpp"
#include "erralert/core/ring.hpp"
#include "erralert/ingest/sentry_post.hpp"
#include "erralert/net/signal.hpp"
#include "erralert/net/unix_listener.hpp"

namespace erralert::app {

class Intake final : public net::TextSink {
 public:
  Intake(const boost::asio::any_io_executor& ex, const config::Config& cfg, core::Metrics& metrics,
         const core::Clock& clock, std::string host);

  struct BodyAnswer {
    core::BodyResult result;
    bool queue_full = false;  ///< nothing was queued; answer 503
    std::string unavailable;  ///< nothing was read or queued, because of this (answer 503)
    std::uint64_t ticket = 0; ///< queued(): the count its last event took, for a durable answer
  };

  /// An HTTP body: every valid event is queued, or none when they do not all fit. A full queue
  /// answers before parsing; such a body counts once in events_rejected_total{queue_full}, as
  /// its events were not read (a body that was parsed and did not fit counts its events).
  BodyAnswer submit_body(std::string_view body, core::BodyFormat format, std::string_view service_hint);

  struct SentryAnswer {
    ingest::SentryRead read;  ///< read.event_id is made up when the SDK sent none
    bool queue_full = false;  ///< nothing was queued; answer 429
    std::string unavailable;  ///< nothing was read or queued, because of this (answer 503)
    std::uint64_t ticket = 0;
  };

  /// A Sentry SDK's POST: every event item that reads is queued, or none when they do not all
  /// fit (counted as submit_body() counts). Refused requests are counted by reason in
  /// sentry_requests_refused_total and logged (at most 10 lines a second, never the key); items
  /// that are no error event in sentry_items_skipped_total{type}.
  SentryAnswer submit_sentry(const ingest::SentryPost& post);

  /// One event text from a Unix socket; a bad one is logged and counted. Callers check
  /// has_space() first and co_await space() when full.
  void submit_text(std::string_view text, net::UnixTransport transport) override;
  void refuse_oversized(std::size_t bytes, net::UnixTransport transport) override;

  bool has_space() const override { return queue_.size() < capacity_; }
  /// Suspends until the queue has room again (or stop() is called).
  boost::asio::awaitable<void> space() override;

  // The consumer's side.
  bool empty() const { return queue_.empty(); }
  std::size_t depth() const { return queue_.size(); }
  /// The oldest event, in the queue: the consumer moves it out, then pop() drops it (one move
  /// fewer than returning it by value).
  core::Event& front() { return queue_.front(); }
  void pop();
  boost::asio::awaitable<void> events();
  /// Called by the consumer after it popped a batch.
  void consumed() { space_.notify(); }

  /// Events queued since the start (a ticket), and popped: every event up to popped() has
  /// been through the pipeline.
  std::uint64_t queued() const { return queued_; }
  std::uint64_t popped() const { return popped_; }
  /// While `why` is not empty every event is refused with it (the state store cannot commit):
  /// HTTP answers 503, socket events are counted in events_rejected_total{reason="storage"}.
  void refuse_all(std::string why) { unavailable_ = std::move(why); }

  /// Picks up defaults and limits of a reloaded config.
  void reconfigure(const config::Config& cfg);
  /// Wakes every waiter so that it can see the daemon is stopping.
  void stop();
  bool stopping() const { return stopping_; }

 private:
  /// Counters of one label set, looked up once (the registry's references stay valid).
  struct Counters {
    std::uint64_t& received_http;
    std::uint64_t& received_unix;
    std::uint64_t& received_unix_dgram;
    std::uint64_t& received_sentry;
    std::uint64_t& rejected_malformed;
    std::uint64_t& rejected_invalid;
    std::uint64_t& rejected_too_large;
    std::uint64_t& rejected_queue_full;
    std::uint64_t& rejected_storage;
    std::uint64_t& default_service;  ///< events whose service came from defaults.service
    explicit Counters(core::Metrics& m);
    std::uint64_t& received(net::UnixTransport transport);
  };

  /// The parse context for one submission: the reused defaults plus time and transport hint.
  const core::ParseContext& context(std::string_view service_hint);
  void count_rejections(const core::BodyResult& r);
  /// True, with `unavailable` or `queue_full` set and counted, when a body is refused before it
  /// is read: the state store cannot commit, or the queue has no room for even one event.
  bool refuse_at_once(std::string& unavailable, bool& queue_full);
  /// Queues every one of `events`, or none when they do not all fit (counted as queue_full:
  /// false); `ticket` gets the count the last one took.
  bool enqueue(std::vector<core::Event>& events, std::uint64_t& ticket);
  void warn_refused(std::string_view transport, std::string_view field, std::string_view reason);
  /// A new Sentry event_id: 32 random hex digits.
  std::string new_event_id();

  core::ParseContext ctx_;
  std::vector<config::SentryProject> sentry_projects_;
  core::Metrics& metrics_;
  std::mt19937_64 ids_{std::random_device{}()};
  std::size_t capacity_;
  Counters counters_;
  const core::Clock& clock_;
  core::Ring<core::Event> queue_;
  net::Signal ready_;
  net::Signal space_;
  bool stopping_ = false;
  std::string unavailable_;
  std::uint64_t queued_ = 0;
  std::uint64_t popped_ = 0;
  std::int64_t warn_second_ = 0;
  int warn_count_ = 0;
  std::uint64_t warn_suppressed_ = 0;
};

}  // namespace erralert::app
