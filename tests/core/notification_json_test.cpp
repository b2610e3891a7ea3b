// Notification JSON: what the spool keeps reads back field for field, and what is not a
// notification (wrong types, unknown kinds, missing or broken events) is nullopt, never a throw.
#include "erralert/core/notification_json.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "erralert/core/parse.hpp"
#include "grouping_support.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;
using K = NotificationKind;

/// An event with every field set, unknown ones included, read as an app's would be.
std::shared_ptr<const Event> full_event() {
  const json j = json::parse(R"({
    "service": "payment-api", "environment": "prod", "host": "web-3",
    "timestamp": "2026-11-22T04:49:46.123Z", "severity": "critical", "code": "FEP-SEC-01001",
    "status": 502, "message": "open AI 연동 오류 : /embeddings", "detail": "feign.FeignException$BadGateway",
    "request": {"method": "POST", "path": "/v1/users/48213/embeddings", "query": "a=1&b=2",
                "params": {"model": "ada", "password": "[redacted]", "n": [1, 2]},
                "headers": {"X-Request-Id": "r-1"}, "client_ip": "10.0.0.7"},
    "errors": [{"field": "email", "value": {"raw": "x@"}, "reason": "must be an address"}],
    "exception": {"type": "FeignException", "message": "Bad Gateway", "stacktrace": "at a\nat b"},
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "tags": {"team": "payments"},
    "fingerprint": ["payment-api", "embeddings"], "build": {"sha": "abc123"}
  })");
  auto e = parse_event(j, ParseContext{});
  EXPECT_TRUE(e) << "the sample event must parse";
  return std::make_shared<const Event>(std::move(e).value());
}

Notification full_notification(K kind) {
  Notification n;
  n.kind = kind;
  n.receiver = "hooks";
  n.route = "payments-5xx";
  GroupEntry& g = n.groups.emplace_back();
  g.fingerprint = "9f2c1a2b3c4d5e6f";
  g.count = kind == K::resolved ? 0 : 523;
  g.first_seen_ms = 1'795'322'986'000;
  g.last_seen_ms = 1'795'323'286'000;
  g.event = full_event();
  g.total = 9000;
  g.window_ms = 300'000;
  g.seen_before = 77;
  g.seen_before_since_ms = 1'795'300'000'000;
  g.overflow = true;
  g.host_only = true;
  GroupEntry& plain = n.groups.emplace_back();  // the fields left out of the JSON when unset
  plain.fingerprint = "0000aaaa";
  plain.count = 1;
  plain.first_seen_ms = plain.last_seen_ms = 1'795'322'990'000;
  plain.event = testing::event_at(1'795'322'990'000);
  if (kind == K::digest) {
    n.route.clear();
    n.other_groups = 12;
    n.other_count = 340;
  }
  return n;
}

void expect_same(const Notification& a, const Notification& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.receiver, b.receiver);
  EXPECT_EQ(a.route, b.route);
  EXPECT_EQ(a.other_groups, b.other_groups);
  EXPECT_EQ(a.other_count, b.other_count);
  ASSERT_EQ(a.groups.size(), b.groups.size());
  for (std::size_t i = 0; i < a.groups.size(); ++i) {
    SCOPED_TRACE("group " + std::to_string(i));
    const GroupEntry& x = a.groups[i];
    const GroupEntry& y = b.groups[i];
    EXPECT_EQ(x.fingerprint, y.fingerprint);
    EXPECT_EQ(x.count, y.count);
    EXPECT_EQ(x.first_seen_ms, y.first_seen_ms);
    EXPECT_EQ(x.last_seen_ms, y.last_seen_ms);
    EXPECT_EQ(x.total, y.total);
    EXPECT_EQ(x.window_ms, y.window_ms);
    EXPECT_EQ(x.seen_before, y.seen_before);
    EXPECT_EQ(x.seen_before_since_ms, y.seen_before_since_ms);
    EXPECT_EQ(x.overflow, y.overflow);
    EXPECT_EQ(x.host_only, y.host_only);
    ASSERT_TRUE(x.event && y.event);
    EXPECT_EQ(to_json(*x.event, true), to_json(*y.event, true));
  }
}

TEST(NotificationJson, EveryKindRoundTripsWithEveryField) {
  const auto kept = full_event();
  const Event& sample = *kept;
  ASSERT_EQ(sample.request.client_ip, "10.0.0.7");
  ASSERT_EQ(sample.request.route, "/v1/users/{id}/embeddings");
  ASSERT_TRUE(sample.extra.contains("build")) << "an unknown field is kept";
  for (const K kind : {K::first, K::summary, K::digest, K::resolved}) {
    SCOPED_TRACE(std::string(to_string(kind)));
    const Notification n = full_notification(kind);
    const std::string text = notification_to_json(n).dump();
    const auto back = notification_from_json(json::parse(text));
    ASSERT_TRUE(back.has_value()) << text;
    expect_same(*back, n);
    EXPECT_EQ(back->total_count(), n.total_count());
    EXPECT_EQ(back->groups[0].event->extra, sample.extra);
  }
}

TEST(NotificationJson, ADigestOfOnlyOthersReadsBack) {
  Notification n;
  n.kind = K::digest;
  n.receiver = "hooks";
  n.other_groups = 4;
  n.other_count = 90;
  const auto back = notification_from_json(notification_to_json(n));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->total_count(), 90u);
}

TEST(NotificationJson, WhatIsNotANotificationIsNulloptNeverAThrow) {
  using Mutation = std::function<void(json&)>;
  struct Case {
    const char* name;
    Mutation mutate;
  };
  const auto group = [](json& j) -> json& { return j["groups"][0]; };
  const Case cases[] = {
      {"an array", [](json& j) { j = json::array({1, 2}); }},
      {"a string", [](json& j) { j = "first"; }},
      {"null", [](json& j) { j = nullptr; }},
      {"an unknown kind", [](json& j) { j["kind"] = "urgent"; }},
      {"no kind", [](json& j) { j.erase("kind"); }},
      {"kind a number", [](json& j) { j["kind"] = 1; }},
      {"receiver a number", [](json& j) { j["receiver"] = 5; }},
      {"route null", [](json& j) { j["route"] = nullptr; }},
      {"other_count negative", [](json& j) { j["other_count"] = -1; }},
      {"other_groups a string", [](json& j) { j["other_groups"] = "3"; }},
      {"no groups", [](json& j) { j.erase("groups"); }},
      {"groups an object", [](json& j) { j["groups"] = json::object(); }},
      {"no groups and no others", [](json& j) { j["groups"] = json::array(); }},
      {"a group a string", [&](json& j) { group(j) = "9f2c"; }},
      {"fingerprint a number", [&](json& j) { group(j)["fingerprint"] = 9; }},
      {"count a string", [&](json& j) { group(j)["count"] = "523"; }},
      {"count negative", [&](json& j) { group(j)["count"] = -3; }},
      {"count fractional", [&](json& j) { group(j)["count"] = 1.5; }},
      {"count past 64 bits", [&](json& j) { group(j)["count"] = 1e30; }},
      {"first_seen_ms a string", [&](json& j) { group(j)["first_seen_ms"] = "2026-11-22"; }},
      {"last_seen_ms fractional", [&](json& j) { group(j)["last_seen_ms"] = 0.5; }},
      {"total a bool", [&](json& j) { group(j)["total"] = true; }},
      {"window_ms a string", [&](json& j) { group(j)["window_ms"] = "5m"; }},
      {"seen_before negative", [&](json& j) { group(j)["seen_before"] = -1; }},
      {"seen_before_since_ms an object", [&](json& j) { group(j)["seen_before_since_ms"] = json::object(); }},
      {"overflow a string", [&](json& j) { group(j)["overflow"] = "yes"; }},
      {"host_only a number", [&](json& j) { group(j)["host_only"] = 1; }},
      {"no event", [&](json& j) { group(j).erase("event"); }},
      {"event a string", [&](json& j) { group(j)["event"] = "boom"; }},
      {"event without a service", [&](json& j) { group(j)["event"].erase("service"); }},
      {"event status a word", [&](json& j) { group(j)["event"]["status"] = "bad gateway"; }},
      {"event nested too deep", [&](json& j) {
         json deep = 1;
         for (int i = 0; i < 200; ++i) deep = json::array({deep});
         group(j)["event"]["tags"] = deep;
       }},
  };
  const json valid = notification_to_json(full_notification(K::summary));
  ASSERT_TRUE(notification_from_json(valid).has_value());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json j = valid;
    c.mutate(j);
    std::optional<Notification> back;
    EXPECT_NO_THROW(back = notification_from_json(j));
    EXPECT_FALSE(back.has_value()) << j.dump().substr(0, 300);
  }
}

}  // namespace
}  // namespace erralert::core
