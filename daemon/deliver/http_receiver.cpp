// HttpReceiver: spool first, then one request at a time in order, paced and retried by
// RetrySchedule; dead letters and a disabled state for what the platform refuses for good.
#include "erralert/deliver/http_receiver.hpp"

#include <random>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "erralert/core/notification_json.hpp"
#include "erralert/core/outbox.hpp"
#include "erralert/core/retry_schedule.hpp"
#include "erralert/core/timefmt.hpp"
#include "erralert/net/https_client.hpp"
#include "erralert/net/signal.hpp"
#include "erralert/store/state_store.hpp"

namespace erralert::deliver {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

std::vector<core::Window> windows_of(const std::vector<config::RateWindow>& rate_limit) {
  std::vector<core::Window> windows;
  for (const auto& w : rate_limit) windows.push_back({w.count, w.per});
  return windows;
}

core::Decision decide(core::Platform platform, const net::ClientResult& r) {
  switch (r.error) {
    case net::ClientErrorKind::none: break;
    case net::ClientErrorKind::timeout: return core::classify_failure(core::Failure::timeout, r.message);
    case net::ClientErrorKind::tls: return core::classify_failure(core::Failure::tls, r.message);
    case net::ClientErrorKind::protocol: return core::classify_failure(core::Failure::protocol, r.message);
    case net::ClientErrorKind::network: return core::classify_failure(core::Failure::network, r.message);
  }
  return core::classify_answer(platform, {r.response.status, r.response.headers, r.response.body});
}

}  // namespace

struct HttpReceiver::State : std::enable_shared_from_this<State> {
  State(const config::Receiver& cfg, const ReceiverContext& ctx, const core::PlatformInfo& p)
      : name(cfg.name),
        max_delay(cfg.max_delay),
        clock(*ctx.clock),
        metrics(*ctx.metrics),
        platform(p),
        store(*ctx.store),
        outbox({platform.digest_groups}),
        schedule(windows_of(cfg.rate_limit), {cfg.retry_initial, cfg.retry_max, cfg.retry_for}),
        client(ctx.make_client ? ctx.make_client(cfg)
                               : std::make_unique<net::HttpsClient>(ctx.executor, cfg.url, cfg.ca_file, cfg.timeout)),
        shared_pace(ctx.shared_pace),
        pace_id(shared_pace ? deliver::pace_id(cfg) : std::string()),
        rate_limit(cfg.rate_limit),
        wake(ctx.executor),
        progress(ctx.executor),
        rng(std::random_device{}()),
        dead(metrics.counter("notifications_dead_total", {{"receiver", name}})),
        delivery_seconds(metrics.histogram("delivery_seconds", {{"receiver", name}}, core::kDeliveryBuckets)) {}

  using Item = core::Outbox::Item;

  const std::string name;
  const milliseconds max_delay;
  const core::Clock& clock;
  core::Metrics& metrics;
  const core::PlatformInfo& platform;
  store::SpoolWriter& store;
  core::Outbox outbox;
  core::RetrySchedule schedule;
  std::unique_ptr<net::HttpClient> client;
  SharedPace* shared_pace;  // fleet mode: the webhook's budget is the fleet's
  const std::string pace_id;
  const std::vector<config::RateWindow> rate_limit;
  asio::steady_timer wake;
  net::Signal progress;  // after every answer applied: what drain() waits on
  std::mt19937_64 rng;
  std::uint64_t& dead;
  core::Histogram& delivery_seconds;  // from accepting a notification to the platform taking it

  bool stopped = false;
  bool sending = false;
  std::string disabled;     // why, when the platform told us to stop
  std::string last_error;   // URL-free
  bool failing = false;     // in a run of failures (logged once at its start)

  /// Takes what an earlier run (or this receiver's predecessor before a reload) left waiting.
  /// A stored retry time further off than retry.max (the clock was set back since, or the store
  /// came from another host) is brought in to retry.max from now.
  void restore(std::vector<Item> backlog) {
    const std::int64_t latest = clock.now_ms() + schedule.policy().max.count();
    std::size_t clamped = 0;
    for (auto& item : backlog) {
      if (item.attempt.next_attempt_ms > latest) {
        item.attempt.next_attempt_ms = latest;
        ++clamped;
      }
      outbox.restore(std::move(item));
    }
    if (!outbox.empty()) spdlog::info("receiver {}: {} notifications waiting from before", name, outbox.size());
    if (clamped > 0) {
      spdlog::warn("receiver {}: {} waiting notification(s) were due further off than retry.max; retried within {} ms",
                   name, clamped, schedule.policy().max.count());
    }
  }

  /// Records `item` in the store, under its row when it has one, else under a new row.
  void persist(Item& item) {
    if (item.store_id == 0) item.store_id = store.next_id();
    store.put(name, item);
  }

  void accept(core::Notification n) {
    persist(outbox.push(std::move(n), clock.now_ms()));
    if (!sending) wake.cancel();  // the loop may be idle or waiting for a later head
  }

  void forget(const Item& item) {
    if (item.store_id != 0) store.remove(item.store_id);
  }

  /// Folds what waits into one digest when the last of it would go out past `max_delay` (or,
  /// with `max_delay` 0, at once). The digest and the removal of what it replaces are recorded
  /// together, so they reach the store in one commit.
  std::size_t fold(std::int64_t due, milliseconds within) {
    auto folded = outbox.fold_if_late(due, within);
    if (folded.empty()) return 0;
    Item& digest = *outbox.last_digest();
    persist(digest);
    for (const auto& item : folded) forget(item);
    spdlog::info("receiver {}: {} waiting notifications folded into one digest of {} events", name, folded.size(),
                 digest.count());
    return folded.size();
  }

  std::string body_of(const Item& item) const {
    if (!item.notification) return item.rendered;
    return platform.render(*item.notification).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  void dead_letter(const Item& item, const std::string& reason) {
    const std::string text = body_of(item);
    nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
    nlohmann::json record = {{"receiver", name},
                             {"kind", item.kind()},
                             {"route", item.notification ? item.notification->route : item.rendered_route},
                             {"count", item.count()},
                             {"created", core::format_rfc3339(item.attempt.created_ms)},
                             {"dead_at", core::format_rfc3339(clock.now_ms())},
                             {"reason", reason},
                             {"body", body.is_discarded() ? nlohmann::json(text) : body}};
    store.dead_letter(name, item, std::move(record));
    ++dead;
    spdlog::error("receiver {}: {} notification refused for good: {}", name, item.kind(), reason);
  }

  void apply(const core::Decision& d, std::optional<milliseconds> bucket_wait, std::int64_t now) {
    Item& head = outbox.front();
    std::string reason;
    const auto step = schedule.after(head.attempt, d, bucket_wait, now,
                                     std::uniform_real_distribution<double>(0.0, 1.0)(rng), &reason);
    if (d.verdict != core::Verdict::delivered) {
      ++metrics.counter("notifications_failed_total", {{"receiver", name}, {"reason", d.reason}});
      last_error = d.detail;
    }
    if (shared_pace) {  // what the platform said holds every sidecar sending to it
      if (d.verdict == core::Verdict::rate_limited) shared_pace->hold(pace_id, d.wait);
      if (bucket_wait) shared_pace->hold(pace_id, *bucket_wait);
    }
    switch (step) {
      case core::RetrySchedule::Step::done:
        ++metrics.counter("notifications_sent_total", {{"receiver", name}, {"kind", std::string(head.kind())}});
        delivery_seconds.observe(static_cast<double>(std::max<std::int64_t>(now - head.attempt.created_ms, 0)) / 1000.0);
        if (failing) spdlog::info("receiver {}: delivering again", name);
        failing = false;
        forget(head);
        outbox.pop_front();
        return;
      case core::RetrySchedule::Step::again: {
        outbox.set_in_flight(false);  // it waits again, and takes what its group adds
        persist(head);
        const auto log_level = failing ? spdlog::level::debug : spdlog::level::warn;
        spdlog::log(log_level, "receiver {}: {}; next try in {} ms", name, d.detail, head.attempt.next_attempt_ms - now);
        failing = true;
        return;
      }
      case core::RetrySchedule::Step::dead:
        dead_letter(head, reason);
        outbox.pop_front();
        return;
      case core::RetrySchedule::Step::disable:
        dead_letter(head, reason);
        outbox.pop_front();
        disabled = reason;
        spdlog::error("receiver {}: disabled until reload ({}); {} notifications stay in the spool", name,
                      reason, outbox.size());
        return;
    }
  }

  /// Sleeps until `ms` of the clock (or until woken by a new notification or a stop).
  asio::awaitable<void> sleep_until(std::int64_t due_ms) {
    const std::int64_t now = clock.now_ms();
    if (due_ms == INT64_MAX) {
      wake.expires_at(asio::steady_timer::time_point::max());
    } else {
      wake.expires_after(milliseconds(due_ms - now));
    }
    co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  asio::awaitable<void> run(std::shared_ptr<State> self) {
    if (auto why = client->setup_error()) {
      disabled = *why;
      spdlog::error("receiver {}: {}; nothing will be sent until reload", name, *why);
    }
    while (!stopped) {
      if (outbox.empty() || !disabled.empty()) {
        co_await sleep_until(INT64_MAX);
        continue;
      }
      const std::int64_t now = clock.now_ms();
      // Folded when the last of what waits would go out past max_delay at the receiver's pace.
      fold(schedule.projected_due(outbox.front().attempt, outbox.size() - 1, now, now + max_delay.count()), max_delay);
      if (const std::int64_t due = schedule.due(outbox.front().attempt, now); due > now) {
        co_await sleep_until(due);
        continue;
      }
      if (shared_pace) {
        const auto wait = co_await shared_pace->acquire(pace_id, rate_limit);
        if (stopped) break;
        if (wait && wait->count() > 0) {  // the fleet's budget for this webhook is spent for now
          co_await sleep_until(clock.now_ms() + wait->count());
          continue;
        }
        if (outbox.empty() || !disabled.empty()) continue;
      }
      schedule.sent(now);
      sending = true;
      outbox.set_in_flight(true);
      const net::ClientResult r = co_await client->post(body_of(outbox.front()), "application/json",
                                                       platform.extra_query);
      sending = false;
      if (stopped) break;  // what was in flight stays in the spool for the next run
      const core::Decision d = decide(platform.platform, r);
      std::optional<milliseconds> bucket_wait;
      if (r.error == net::ClientErrorKind::none) {
        bucket_wait = core::bucket_exhausted_wait({r.response.status, r.response.headers, {}});
      }
      apply(d, bucket_wait, clock.now_ms());
      progress.notify();
    }
    (void)self;
  }
};

HttpReceiver::HttpReceiver(const config::Receiver& cfg, const ReceiverContext& ctx,
                           const core::PlatformInfo& platform, std::vector<core::Outbox::Item> backlog)
    : state_(std::make_shared<State>(cfg, ctx, platform)) {
  state_->restore(std::move(backlog));
  asio::co_spawn(ctx.executor, state_->run(state_), asio::detached);
}

HttpReceiver::~HttpReceiver() {
  state_->stopped = true;
  state_->wake.cancel();
  state_->client->close();
}

const std::string& HttpReceiver::name() const { return state_->name; }

void HttpReceiver::deliver(core::Notification n) { state_->accept(std::move(n)); }

std::size_t HttpReceiver::queue_depth() const { return state_->outbox.size(); }

std::uint64_t HttpReceiver::backlog_events() const { return state_->outbox.events(); }

ReceiverState HttpReceiver::state() const {
  return state_->disabled.empty() ? ReceiverState::ready : ReceiverState::disabled;
}

std::string HttpReceiver::state_reason() const { return state_->disabled; }

std::string HttpReceiver::last_error() const { return state_->last_error; }

std::optional<std::chrono::milliseconds> HttpReceiver::next_attempt_in() const {
  const State& s = *state_;
  if (s.outbox.empty() || s.sending || !s.disabled.empty()) return std::nullopt;
  const std::int64_t now = s.clock.now_ms();
  return milliseconds(std::max<std::int64_t>(s.schedule.due(s.outbox.front().attempt, now) - now, 0));
}

std::vector<core::Outbox::Item> HttpReceiver::take_backlog() {
  auto s = state_;
  s->stopped = true;  // what is in flight stays in the backlog: the successor sends it again
  s->wake.cancel();
  s->client->close();
  std::vector<core::Outbox::Item> out;
  s->outbox.set_in_flight(false);
  while (!s->outbox.empty()) {
    out.push_back(s->outbox.front());
    s->outbox.pop_front();
  }
  return out;
}

std::size_t HttpReceiver::compact() {
  auto& s = *state_;
  if (s.outbox.size() < 2) return 0;
  return s.fold(INT64_MAX, milliseconds(0));
}

asio::awaitable<void> HttpReceiver::drain(std::chrono::steady_clock::time_point deadline) {
  auto s = state_;
  // Woken by each answer the delivery loop applies, or by the deadline. A receiver that is
  // failing does not hold up the stop: its backlog waits in the spool.
  while (!s->outbox.empty() && s->disabled.empty() && !s->failing && std::chrono::steady_clock::now() < deadline) {
    co_await s->progress.wait_until(deadline);
  }
  if (!s->outbox.empty()) {
    spdlog::info("receiver {}: {} notifications stay in the store for the next start", s->name, s->outbox.size());
  }
  s->stopped = true;
  s->wake.cancel();
  s->client->close();
}

}  // namespace erralert::deliver
