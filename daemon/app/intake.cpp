// Intake: parse with the config's defaults, count what came and what was refused, queue.
#include "erralert/app/intake.hpp"

#include <spdlog/spdlog.h>

namespace erralert::app {

namespace asio = boost::asio;

Intake::Intake(const asio::any_io_executor& ex, const config::Config& cfg, core::Metrics& metrics,
               const core::Clock& clock, std::string host)
    : metrics_(metrics), capacity_(cfg.server.queue_capacity), counters_(metrics), clock_(clock), ready_(ex), space_(ex) {
  ctx_.host = std::move(host);
  reconfigure(cfg);
}

namespace {

std::uint64_t& received_counter(core::Metrics& m, std::string_view transport) {
  return m.counter("events_received_total", {{"transport", std::string(transport)}});
}

}  // namespace

Intake::Counters::Counters(core::Metrics& m)
    : received_http(received_counter(m, "http")),
      received_unix(received_counter(m, net::to_string(net::UnixTransport::stream))),
      received_unix_dgram(received_counter(m, net::to_string(net::UnixTransport::datagram))),
      received_sentry(received_counter(m, "sentry")),
      rejected_malformed(m.counter("events_rejected_total", {{"reason", "malformed"}})),
      rejected_invalid(m.counter("events_rejected_total", {{"reason", "invalid"}})),
      rejected_too_large(m.counter("events_rejected_total", {{"reason", "too_large"}})),
      rejected_queue_full(m.counter("events_rejected_total", {{"reason", "queue_full"}})),
      rejected_storage(m.counter("events_rejected_total", {{"reason", "storage"}})),
      default_service(m.counter("events_default_service_total")) {}

std::uint64_t& Intake::Counters::received(net::UnixTransport transport) {
  return transport == net::UnixTransport::stream ? received_unix : received_unix_dgram;
}

void Intake::reconfigure(const config::Config& cfg) {
  ctx_.default_service = cfg.defaults.service;
  ctx_.default_environment = cfg.defaults.environment;
  ctx_.max_event_bytes = cfg.limits.max_event_bytes;
  capacity_ = cfg.server.queue_capacity;
  sentry_projects_ = cfg.ingest.sentry_projects;
}

const core::ParseContext& Intake::context(std::string_view service_hint) {
  ctx_.transport_service.assign(service_hint);
  ctx_.now_ms = clock_.now_ms();
  return ctx_;
}

void Intake::count_rejections(const core::BodyResult& r) {
  counters_.received_http += r.total();
  if (r.syntax_error) ++counters_.rejected_malformed;
  for (const auto& rej : r.rejected) ++(rej.too_large ? counters_.rejected_too_large : counters_.rejected_invalid);
}

Intake::BodyAnswer Intake::submit_body(std::string_view body, core::BodyFormat format,
                                       std::string_view service_hint) {
  BodyAnswer a;
  if (refuse_at_once(a.unavailable, a.queue_full)) return a;
  a.result = core::parse_body(body, format, context(service_hint));
  count_rejections(a.result);
  if (a.result.events.empty()) return a;
  a.queue_full = !enqueue(a.result.events, a.ticket);
  return a;
}

bool Intake::refuse_at_once(std::string& unavailable, bool& queue_full) {
  if (!unavailable_.empty()) {
    unavailable = unavailable_;
    ++counters_.rejected_storage;
    return true;
  }
  if (!has_space()) {  // no room for even one event: answer at once, without parsing
    queue_full = true;
    ++counters_.rejected_queue_full;
    return true;
  }
  return false;
}

bool Intake::enqueue(std::vector<core::Event>& events, std::uint64_t& ticket) {
  if (queue_.size() + events.size() > capacity_) {
    counters_.rejected_queue_full += events.size();
    return false;
  }
  for (auto& e : events) {
    counters_.default_service += e.service_defaulted;
    queue_.push_back(std::move(e));
  }
  queued_ += events.size();
  ticket = queued_;
  ready_.notify();
  return true;
}

std::string Intake::new_event_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (std::size_t i = 0; i < id.size(); i += 16) {
    std::uint64_t bits = ids_();
    for (std::size_t j = 0; j < 16; ++j, bits >>= 4) id[i + j] = kHex[bits & 0xf];
  }
  return id;
}

Intake::SentryAnswer Intake::submit_sentry(const ingest::SentryPost& post) {
  SentryAnswer a;
  if (refuse_at_once(a.unavailable, a.queue_full)) return a;  // nothing decompressed or parsed
  core::ParseContext ctx = context({});
  a.read = ingest::read_sentry_post(post, sentry_projects_, std::move(ctx));
  ingest::SentryRead& r = a.read;
  for (const auto& [type, n] : r.skipped) {
    metrics_.counter("sentry_items_skipped_total", {{"type", type}}) += n;
    spdlog::debug("sentry: {} {} item(s) of project {} skipped: not error events", n, type, post.project);
  }
  counters_.received_sentry += r.events.size() + r.rejected.size();
  for (const auto& rej : r.rejected) ++(rej.too_large ? counters_.rejected_too_large : counters_.rejected_invalid);
  using V = ingest::SentryVerdict;
  switch (r.verdict) {
    case V::accepted: break;
    case V::malformed: ++counters_.rejected_malformed; break;
    case V::too_large:
      if (r.rejected.empty()) ++counters_.rejected_too_large;  // the body as a whole
      break;
    case V::invalid: break;
    default: ++metrics_.counter("sentry_requests_refused_total", {{"reason", std::string(ingest::to_string(r.verdict))}});
  }
  if (r.verdict != V::accepted) {
    warn_refused("sentry", "POST /api/" + post.project + (post.endpoint == ingest::SentryEndpoint::store ? "/store/" : "/envelope/"),
                 fmt::format("{} ({})", r.detail, ingest::http_status(r.verdict)));
    return a;
  }
  for (const auto& rej : r.rejected) {
    warn_refused("sentry", "event item " + std::to_string(rej.index), rej.errors.front().reason);
  }
  if (r.event_id.empty()) r.event_id = new_event_id();
  if (!r.events.empty()) a.queue_full = !enqueue(r.events, a.ticket);
  return a;
}

void Intake::submit_text(std::string_view text, net::UnixTransport transport) {
  if (text.size() > ctx_.max_event_bytes) {
    refuse_oversized(text.size(), transport);
    return;
  }
  ++counters_.received(transport);
  if (!unavailable_.empty()) {
    ++counters_.rejected_storage;
    warn_refused(net::to_string(transport), "event", unavailable_);
    return;
  }
  auto r = core::parse_event_text(text, context({}));
  if (!r) {
    ++counters_.rejected_invalid;
    const auto& e = r.errors().front();
    warn_refused(net::to_string(transport), e.field.empty() ? "event" : e.field, e.reason);
    return;
  }
  counters_.default_service += r->service_defaulted;
  queue_.push_back(std::move(r).value());
  ++queued_;
  ready_.notify();
}

void Intake::refuse_oversized(std::size_t bytes, net::UnixTransport transport) {
  ++counters_.received(transport);
  ++counters_.rejected_too_large;
  warn_refused(net::to_string(transport), "event",
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

void Intake::pop() {
  queue_.pop_front();
  ++popped_;
}

void Intake::stop() {
  stopping_ = true;
  ready_.notify();
  space_.notify();
}

}  // namespace erralert::app
