// HttpReceiver: spool first, then one request at a time in order, paced and retried by
// RetrySchedule; dead letters and a disabled state for what the platform refuses for good.
#include "erralert/deliver/http_receiver.hpp"

#include <deque>
#include <random>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "erralert/core/retry_schedule.hpp"
#include "erralert/core/timefmt.hpp"
#include "erralert/net/https_client.hpp"
#include "erralert/net/signal.hpp"
#include "erralert/store/spool.hpp"

namespace erralert::deliver {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

std::vector<core::Window> windows_of(const std::vector<config::RateWindow>& rate_limit) {
  std::vector<core::Window> windows;
  for (const auto& w : rate_limit) windows.push_back({w.count, w.per});
  return windows;
}

core::Attempt attempt_of(const store::SpoolEntry& e) {
  return {e.created_ms, e.attempts, e.next_attempt_ms};
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
  State(const config::Receiver& cfg, const ReceiverContext& ctx, std::unique_ptr<PlatformAdapter> p)
      : name(cfg.name),
        storage_dir(ctx.storage_dir),
        clock(*ctx.clock),
        metrics(*ctx.metrics),
        platform(std::move(p)),
        schedule(windows_of(cfg.rate_limit), {cfg.retry_initial, cfg.retry_max, cfg.retry_for}),
        client(ctx.executor, cfg.url, cfg.ca_file, cfg.timeout),
        wake(ctx.executor),
        progress(ctx.executor),
        rng(std::random_device{}()),
        dead(metrics.counter("notifications_dead_total", {{"receiver", name}})),
        delivery_seconds(metrics.histogram("delivery_seconds", {{"receiver", name}}, core::kDeliveryBuckets)) {}

  const std::string name;
  const std::string storage_dir;
  const core::Clock& clock;
  core::Metrics& metrics;
  std::unique_ptr<PlatformAdapter> platform;
  std::optional<store::Spool> spool;  // nullopt when storage.dir refused the spool directory
  std::deque<store::SpoolEntry> queue;
  core::RetrySchedule schedule;
  net::HttpsClient client;
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
  bool spool_failing = false;

  void start_spool() {
    try {
      spool.emplace(store::spool_dir_for(storage_dir, name));
      std::vector<std::string> set_aside;
      for (auto& e : spool->load(&set_aside)) queue.push_back(std::move(e));
      for (const auto& file : set_aside) {
        spdlog::warn("receiver {}: spool file {} holds no notification; kept as {}.bad", name, file, file);
      }
      if (!queue.empty()) spdlog::info("receiver {}: {} notifications from the spool", name, queue.size());
    } catch (const std::exception& e) {
      // filesystem_error::what() names only storage paths, never the receiver URL.
      note_spool_error(e.what());
    }
  }

  void note_spool_error(const std::string& why) {
    last_error = "spool: " + why;
    ++metrics.counter("spool_errors_total", {{"receiver", name}});
    if (!spool_failing) spdlog::error("receiver {}: cannot write its spool ({}); delivering from memory", name, why);
    spool_failing = true;
  }

  void accept(core::Notification n) {
    store::SpoolEntry e;
    e.kind = std::string(core::to_string(n.kind));
    e.route = n.route;
    e.count = n.total_count();
    e.body = platform->render(n).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    e.created_ms = clock.now_ms();
    if (spool) {
      std::string error;
      e = spool->add(std::move(e), &error);
      if (!e.persisted) {
        note_spool_error(error);
      } else if (spool_failing) {
        spool_failing = false;
        spdlog::info("receiver {}: spool writable again", name);
      }
    }
    queue.push_back(std::move(e));
    if (!sending) wake.cancel();  // the loop may be idle or waiting for a later head
  }

  void forget(const store::SpoolEntry& e) {
    if (spool && e.persisted) spool->remove(e);
  }

  void dead_letter(const store::SpoolEntry& e, const std::string& reason) {
    nlohmann::json body = nlohmann::json::parse(e.body, nullptr, false);
    nlohmann::json record = {{"receiver", name},
                             {"kind", e.kind},
                             {"route", e.route},
                             {"count", e.count},
                             {"created", core::format_rfc3339(e.created_ms)},
                             {"dead_at", core::format_rfc3339(clock.now_ms())},
                             {"reason", reason},
                             {"body", body.is_discarded() ? nlohmann::json(e.body) : body}};
    std::string error;
    if (!store::append_dead_letter(storage_dir, record, &error)) {
      spdlog::error("receiver {}: cannot write dead-letter.jsonl ({}); the notification is lost", name, error);
    }
    ++dead;
    spdlog::error("receiver {}: {} notification refused for good: {}", name, e.kind, reason);
    forget(e);
  }

  void apply(const core::Decision& d, std::optional<milliseconds> bucket_wait, std::int64_t now) {
    store::SpoolEntry& head = queue.front();
    core::Attempt a = attempt_of(head);
    std::string reason;
    const auto step = schedule.after(a, d, bucket_wait, now,
                                     std::uniform_real_distribution<double>(0.0, 1.0)(rng), &reason);
    if (d.verdict != core::Verdict::delivered) {
      ++metrics.counter("notifications_failed_total", {{"receiver", name}, {"reason", d.reason}});
      last_error = d.detail;
    }
    switch (step) {
      case core::RetrySchedule::Step::done:
        ++metrics.counter("notifications_sent_total", {{"receiver", name}, {"kind", head.kind}});
        delivery_seconds.observe(static_cast<double>(std::max<std::int64_t>(now - head.created_ms, 0)) / 1000.0);
        if (failing) spdlog::info("receiver {}: delivering again", name);
        failing = false;
        forget(head);
        queue.pop_front();
        return;
      case core::RetrySchedule::Step::again: {
        head.attempts = a.failures;
        head.next_attempt_ms = a.next_attempt_ms;
        if (spool && head.persisted) spool->update(head);
        const auto log_level = failing ? spdlog::level::debug : spdlog::level::warn;
        spdlog::log(log_level, "receiver {}: {}; next try in {} ms", name, d.detail, a.next_attempt_ms - now);
        failing = true;
        return;
      }
      case core::RetrySchedule::Step::dead:
        dead_letter(head, reason);
        queue.pop_front();
        return;
      case core::RetrySchedule::Step::disable:
        dead_letter(head, reason);
        queue.pop_front();
        disabled = reason;
        spdlog::error("receiver {}: disabled until reload ({}); {} notifications stay in the spool", name,
                      reason, queue.size());
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
    if (auto why = client.setup_error()) {
      disabled = *why;
      spdlog::error("receiver {}: {}; nothing will be sent until reload", name, *why);
    }
    while (!stopped) {
      if (queue.empty() || !disabled.empty()) {
        co_await sleep_until(INT64_MAX);
        continue;
      }
      const std::int64_t now = clock.now_ms();
      if (const std::int64_t due = schedule.due(attempt_of(queue.front()), now); due > now) {
        co_await sleep_until(due);
        continue;
      }
      schedule.sent(now);
      sending = true;
      const net::ClientResult r = co_await client.post(queue.front().body, "application/json",
                                                       platform->extra_query());
      sending = false;
      if (stopped) break;  // what was in flight stays in the spool for the next run
      const core::Decision d = decide(platform->platform(), r);
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
                           std::unique_ptr<PlatformAdapter> platform)
    : state_(std::make_shared<State>(cfg, ctx, std::move(platform))) {
  state_->start_spool();
  asio::co_spawn(ctx.executor, state_->run(state_), asio::detached);
}

HttpReceiver::~HttpReceiver() {
  state_->stopped = true;
  state_->wake.cancel();
  state_->client.close();
}

const std::string& HttpReceiver::name() const { return state_->name; }

void HttpReceiver::deliver(core::Notification n) { state_->accept(std::move(n)); }

std::size_t HttpReceiver::queue_depth() const { return state_->queue.size(); }

std::string HttpReceiver::state() const {
  if (!state_->disabled.empty()) return "disabled: " + state_->disabled;
  return "ready";
}

std::string HttpReceiver::last_error() const { return state_->last_error; }

std::string HttpReceiver::spool_dir() const { return store::spool_dir_for(state_->storage_dir, state_->name); }

asio::awaitable<void> HttpReceiver::drain(std::chrono::steady_clock::time_point deadline) {
  auto s = state_;
  // Woken by each answer the delivery loop applies, or by the deadline. A receiver that is
  // failing does not hold up the stop: its backlog waits in the spool.
  while (!s->queue.empty() && s->disabled.empty() && !s->failing && std::chrono::steady_clock::now() < deadline) {
    co_await s->progress.wait_until(deadline);
  }
  if (!s->queue.empty()) {
    spdlog::info("receiver {}: {} notifications stay in the spool for the next start", s->name, s->queue.size());
  }
  s->stopped = true;
  s->wake.cancel();
  s->client.close();
}

}  // namespace erralert::deliver
