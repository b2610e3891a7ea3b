// Intake: parse with the config's defaults, count what came and what was refused, queue.
#include "erralert/app/intake.hpp"

#include <spdlog/spdlog.h>


namespace erralert::app {

namespace asio = boost::asio;

Intake::Intake(const asio::any_io_executor& ex, const config::Config& cfg, core::Metrics& metrics,
               const core::Clock& clock, std::string host)
    : capacity_(cfg.server.queue_capacity),
      metrics_(metrics),
      clock_(clock),
      ready_(ex),
      space_(ex),
      rejected_queue_full_(metrics.counter("events_rejected_total", {{"reason", "queue_full"}})) {
  base_.host = std::move(host);
  reconfigure(cfg);
}

void Intake::reconfigure(const config::Config& cfg) {
  base_.default_service = cfg.defaults.service;
  base_.default_environment = cfg.defaults.environment;
  base_.max_event_bytes = cfg.limits.max_event_bytes;
  capacity_ = cfg.server.queue_capacity;
}

core::ParseContext Intake::context(std::string_view service_hint) const {
  core::ParseContext ctx = base_;
  ctx.transport_service = std::string(service_hint);
  ctx.now_ms = clock_.now_ms();
  return ctx;
}

void Intake::count_rejections(const core::BodyResult& r, std::string_view transport) {
  metrics_.counter("events_received_total", {{"transport", std::string(transport)}}) += r.total();
  if (r.syntax_error) ++metrics_.counter("events_rejected_total", {{"reason", "malformed"}});
  for (const auto& rej : r.rejected) {
    ++metrics_.counter("events_rejected_total", {{"reason", rej.too_large ? "too_large" : "invalid"}});
  }
}

Intake::BodyAnswer Intake::submit_body(std::string_view body, core::BodyFormat format,
                                       std::string_view service_hint) {
  BodyAnswer a{core::parse_body(body, format, context(service_hint)), false};
  count_rejections(a.result, "http");
  if (a.result.events.empty()) return a;
  if (queue_.size() + a.result.events.size() > capacity_) {
    a.queue_full = true;
    rejected_queue_full_ += a.result.events.size();
    return a;
  }
  for (auto& e : a.result.events) queue_.push_back(std::move(e));
  ready_.notify();
  return a;
}

void Intake::submit_text(std::string_view text, std::string_view transport) {
  if (text.size() > base_.max_event_bytes) {
    refuse_oversized(text.size(), transport);
    return;
  }
  metrics_.counter("events_received_total", {{"transport", std::string(transport)}}) += 1;
  auto r = core::parse_event_text(text, context({}));
  if (!r) {
    ++metrics_.counter("events_rejected_total", {{"reason", "invalid"}});
    const auto& e = r.errors().front();
    warn_refused(transport, e.field.empty() ? "event" : e.field, e.reason);
    return;
  }
  queue_.push_back(std::move(r).value());
  ready_.notify();
}

void Intake::refuse_oversized(std::size_t bytes, std::string_view transport) {
  metrics_.counter("events_received_total", {{"transport", std::string(transport)}}) += 1;
  ++metrics_.counter("events_rejected_total", {{"reason", "too_large"}});
  warn_refused(transport, "event",
               fmt::format("over limits.max_event_bytes ({} bytes or more)", bytes));
}

void Intake::warn_refused(std::string_view transport, std::string_view field, std::string_view reason) {
  // A sender stuck in a loop must not flood the journal: at most 10 lines a second.
  const std::int64_t second = clock_.now_ms() / 1000;
  if (second != warn_second_) {
    if (warn_suppressed_ > 0) spdlog::warn("{} more refused events not logged", warn_suppressed_);
    warn_second_ = second;
    warn_count_ = 0;
    warn_suppressed_ = 0;
  }
  if (++warn_count_ > 10) {
    ++warn_suppressed_;
    return;
  }
  spdlog::warn("{}: event refused: {}: {}", transport, field, reason);
}

asio::awaitable<void> Intake::space() {
  while (!has_space() && !stopping_) co_await space_.wait();
}

asio::awaitable<void> Intake::events() {
  while (queue_.empty() && !stopping_) co_await ready_.wait();
}

core::Event Intake::pop() {
  core::Event e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

void Intake::stop() {
  stopping_ = true;
  ready_.notify();
  space_.notify();
}

}  // namespace erralert::app
