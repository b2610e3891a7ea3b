// Helpers for the grouping tests (aggregator, outbox, notification JSON, the invariant): configs
// from YAML, events, deliveries and one-group notifications, and a recorder of what came out.
//
//   auto cfg = erralert::testing::config_of("receivers: [{name: a, type: console}]\n" ...);
//   Delivery d = erralert::testing::delivery(cfg.routes[0], "a", "fp1", erralert::testing::event_at(0));
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "erralert/config/config.hpp"
#include "erralert/core/aggregator.hpp"
#include "erralert/core/notification.hpp"
#include "erralert/core/pipeline.hpp"

namespace erralert::core {
inline std::ostream& operator<<(std::ostream& os, NotificationKind k) { return os << to_string(k); }
}  // namespace erralert::core

namespace erralert::testing {

/// Seconds as epoch milliseconds, for readable timelines.
constexpr std::int64_t s(double seconds) { return static_cast<std::int64_t>(seconds * 1000); }
constexpr std::int64_t kHour = 3600 * 1000;
constexpr std::int64_t kDay = 24 * kHour;

/// A config parsed as the daemon parses its file (no ${VAR}s).
inline config::Config config_of(const std::string& yaml) {
  return config::parse_config(yaml, "t.yaml", [](const std::string&) { return std::nullopt; });
}

/// A redacted event as the pipeline shares it; `message` tells events apart.
inline std::shared_ptr<const core::Event> event_at(std::int64_t ts_ms, std::string message = "boom") {
  core::Event e;
  e.service = "payment-api";
  e.environment = "prod";
  e.timestamp_ms = ts_ms;
  e.code = "E1";
  e.status = 502;
  e.message = std::move(message);
  e.request.method = "POST";
  e.request.path = e.request.route = "/v1/pay";
  return std::make_shared<const core::Event>(std::move(e));
}

inline core::Delivery delivery(const config::Route& route, std::string_view receiver, std::string fp,
                               std::shared_ptr<const core::Event> e) {
  return {&route, receiver, std::move(fp), std::move(e)};
}

/// A notification of one group, as the aggregator makes them.
inline core::Notification one_group(core::NotificationKind kind, std::string route, std::string fp,
                                    std::uint64_t count, std::int64_t first_ms, std::int64_t last_ms,
                                    std::shared_ptr<const core::Event> e = nullptr) {
  core::Notification n;
  n.kind = kind;
  n.receiver = "a";
  n.route = std::move(route);
  core::GroupEntry& g = n.groups.emplace_back();
  g.fingerprint = std::move(fp);
  g.count = count;
  g.first_seen_ms = first_ms;
  g.last_seen_ms = last_ms;
  g.event = e ? std::move(e) : event_at(last_ms);
  g.total = count;
  g.window_ms = 60'000;
  return n;
}

/// What changed in `agg` since the last take, as values (Aggregator::take_changes() gives views).
inline std::vector<core::GroupChange> take_changes(core::Aggregator& agg) {
  struct Collect final : core::GroupChangeSink {
    std::vector<core::GroupChange> out;
    void changed(const core::GroupChangeView& v) override {
      core::GroupChange& c = out.emplace_back();
      c.route = v.route;
      c.receiver = v.receiver;
      c.fingerprint = v.fingerprint;
      if (v.open) {
        c.open = *v.open;
        c.open->latest = v.latest ? *v.latest : nullptr;
      }
      if (v.closed) c.closed = *v.closed;
    }
  } collect;
  agg.take_changes(collect);
  return std::move(collect.out);
}

/// What came out of the aggregator, one line per notification, with when it came out.
struct Emitted {
  std::int64_t at = 0;
  core::NotificationKind kind{};
  std::string route, receiver, fingerprint;
  std::uint64_t count = 0, total = 0, seen_before = 0;
  std::int64_t first_ms = 0, last_ms = 0, seen_before_since_ms = 0;
  bool overflow = false;
  std::string message;  ///< of the latest event

  bool operator==(const Emitted&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Emitted& e) {
    return os << "{at " << e.at << " " << e.kind << " " << e.route << "/" << e.receiver << "/" << e.fingerprint
              << " count " << e.count << " total " << e.total << " seen " << e.first_ms << ".." << e.last_ms
              << " before " << e.seen_before << "@" << e.seen_before_since_ms << (e.overflow ? " overflow" : "")
              << " '" << e.message << "'}";
  }
};

/// Moves the notifications of `step` into `into`, stamped with `at`.
inline void record(core::Aggregator::Step& step, std::int64_t at, std::vector<Emitted>& into) {
  for (const auto& n : step.notifications) {
    for (const auto& g : n.groups) {
      into.push_back({at, n.kind, n.route, n.receiver, g.fingerprint, g.count, g.total, g.seen_before,
                      g.first_seen_ms, g.last_seen_ms, g.seen_before_since_ms, g.overflow,
                      g.event ? g.event->message : ""});
    }
  }
  step.notifications.clear();
}

}  // namespace erralert::testing
