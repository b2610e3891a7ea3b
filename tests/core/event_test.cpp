// Tests for the event value: severity names, RFC 3339 parsing, to_json and field_value.
#include "erralert/core/event.hpp"

#include <gtest/gtest.h>

#include "erralert/core/parse.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;

TEST(EventTest, SeverityNames) {
  for (Severity s : {Severity::debug, Severity::info, Severity::warning, Severity::error, Severity::critical}) {
    EXPECT_EQ(parse_severity(to_string(s)), s);
  }
  const std::pair<const char*, std::optional<Severity>> cases[] = {
      {"WARN", Severity::warning},    {"Warning", Severity::warning}, {"err", Severity::error},
      {"ERROR", Severity::error},     {"crit", Severity::critical},   {"FATAL", Severity::critical},
      {"trace", Severity::debug},     {"Info", Severity::info},       {"", std::nullopt},
      {"errors", std::nullopt},       {"warnin", std::nullopt},       {"notice", std::nullopt},
  };
  for (const auto& [name, expected] : cases) EXPECT_EQ(parse_severity(name), expected) << name;
}

TEST(EventTest, ParsesRfc3339) {
  const std::pair<const char*, std::optional<std::int64_t>> cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2026-11-22T04:49:46Z", 1795322986000},
      {"2026-11-22T04:49:46.123Z", 1795322986123},
      {"2026-11-22T04:49:46.123+00:00", 1795322986123},  // Spring
      {"2026-11-22T13:49:46.123456+09:00", 1795322986123},
      {"2026-11-22T04:49:46.1-00:00", 1795322986100},
      {"2026-11-21T23:49:46-0500", 1795322986000},
      {"2026-11-22t04:49:46z", 1795322986000},
      {"2026-11-22 04:49:46Z", 1795322986000},
      {"2024-02-29T00:00:00Z", 1709164800000},
      {"2016-12-31T23:59:60Z", 1483228799000},  // leap second read as :59
      {"2023-02-29T00:00:00Z", std::nullopt},
      {"2026-13-01T00:00:00Z", std::nullopt},
      {"2026-11-22T24:00:00Z", std::nullopt},
      {"2026-11-22T04:49:46", std::nullopt},  // no offset
      {"2026-11-22T04:49:46.Z", std::nullopt},
      {"2026-11-22", std::nullopt},
      {"2026-11-22T04:49:46Zjunk", std::nullopt},
      {"", std::nullopt},
      {"yesterday", std::nullopt},
  };
  for (const auto& [text, expected] : cases) EXPECT_EQ(parse_timestamp(text), expected) << text;
}

Event sample_event() {
  Event e;
  e.service = "payment-api";
  e.environment = "prod";
  e.host = "web-3";
  e.timestamp_ms = 1795322986000;
  e.code = "FEP-SEC-01001";
  e.status = 502;
  e.message = "open AI \xEC\x97\xB0\xEB\x8F\x99 \xEC\x98\xA4\xEB\xA5\x98 : /embeddings";
  e.request.method = "POST";
  e.request.path = "/v1/users/48213/embeddings";
  e.request.route = "/v1/users/{id}/embeddings";
  e.request.query = "page=3";
  e.request.params = {{"model", "m"}, {"n", 2}, {"nested", {{"deep", "x"}}}};
  e.request.headers = {{"Authorization", "Bearer abc"}};
  e.errors.push_back({"name.last", "", "must not be empty"});
  e.exception.type = "feign.FeignException$BadGateway";
  e.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  e.tags = {{"team", "payments"}};
  e.extra = {{"error", "Bad Gateway"}, {"service", "shadowed"}};
  return e;
}

TEST(EventTest, ToJsonHasTheContractShape) {
  const json j = to_json(sample_event());
  EXPECT_EQ(j["service"], "payment-api");
  EXPECT_EQ(j["timestamp"], "2026-11-22T04:49:46Z");
  EXPECT_EQ(j["severity"], "error");
  EXPECT_EQ(j["status"], 502);
  EXPECT_EQ(j["request"]["route"], "/v1/users/{id}/embeddings");
  EXPECT_EQ(j["errors"][0]["reason"], "must not be empty");
  EXPECT_EQ(j["exception"], json({{"type", "feign.FeignException$BadGateway"}}));
  EXPECT_FALSE(j.contains("detail"));
  EXPECT_FALSE(j.contains("fingerprint"));
  EXPECT_FALSE(j.contains("error"));  // extra is shown nowhere by default
}

TEST(EventTest, ToJsonWithExtraRoundTripsThroughParse) {
  const Event e = sample_event();
  const json j = to_json(e, true);
  EXPECT_EQ(j["error"], "Bad Gateway");
  EXPECT_EQ(j["service"], "payment-api");  // a known field is never overwritten by extra
  ParseContext stored;  // as notification_json reads events back: times as they are
  stored.max_clock_skew_ms = 0;
  Result<Event> back = parse_event(j, stored);
  ASSERT_TRUE(back.ok()) << back.errors()[0].reason;
  EXPECT_EQ(to_json(*back, true), j);
}

TEST(EventTest, AbsentJsonMembersAreNullAndReadAsEmpty) {
  // params, headers, tags and extra cost no allocation until something is put in them.
  Event e;
  e.service = "billing";
  e.message = "m";
  EXPECT_TRUE(e.request.params.is_null() && e.request.headers.is_null() && e.tags.is_null() && e.extra.is_null());
  const json j = to_json(e, true);
  EXPECT_FALSE(j.contains("tags"));
  EXPECT_FALSE(j.contains("request") && j.at("request").contains("params"));
  EXPECT_EQ(field_value(e, "request.params.id"), std::nullopt);
  EXPECT_EQ(field_value(e, "tags.team"), std::nullopt);
  EXPECT_EQ(field_value(e, "anything"), std::nullopt);
  e.tags["team"] = "payments";
  EXPECT_EQ(field_value(e, "tags.team"), "payments");
}

TEST(EventTest, FieldValues) {
  const Event e = sample_event();
  const std::pair<const char*, std::optional<std::string>> cases[] = {
      {"service", "payment-api"},
      {"environment", "prod"},
      {"host", "web-3"},
      {"timestamp", "2026-11-22T04:49:46Z"},
      {"severity", "error"},
      {"code", "FEP-SEC-01001"},
      {"status", "502"},
      {"request.method", "POST"},
      {"request.path", "/v1/users/48213/embeddings"},
      {"request.route", "/v1/users/{id}/embeddings"},
      {"request.query", "page=3"},
      {"request.params.model", "m"},
      {"request.params.n", "2"},
      {"request.params.nested.deep", "x"},
      {"request.params.nested", R"({"deep":"x"})"},
      {"request.params.missing", std::nullopt},
      {"request.headers.authorization", "Bearer abc"},  // header names ignore case
      {"request.client_ip", std::nullopt},              // empty is absent
      {"exception.type", "feign.FeignException$BadGateway"},
      {"exception.message", std::nullopt},
      {"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
      {"tags.team", "payments"},
      {"tags.other", std::nullopt},
      {"detail", std::nullopt},
      {"extra.error", "Bad Gateway"},
      {"error", "Bad Gateway"},  // unknown top-level names are looked up in extra
      {"nonsense.path", std::nullopt},
      {"request.nonsense", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& [path, expected] : cases) EXPECT_EQ(field_value(e, path), expected) << path;

  Event bare;
  EXPECT_EQ(field_value(bare, "status"), std::nullopt);
  EXPECT_EQ(field_value(bare, "severity"), "error");
}

TEST(EventTest, FieldTextPointsIntoTheEventAndFormatsOnlyIntoScratch) {
  // What routes and fingerprints read per event: no copy of a string the event already holds.
  const Event e = sample_event();
  std::string scratch;
  const auto code = field_text(e, "code", scratch);
  ASSERT_TRUE(code);
  EXPECT_EQ(code->data(), e.code.data());
  const auto route = field_text(e, "request.route", scratch);
  ASSERT_TRUE(route);
  EXPECT_EQ(route->data(), e.request.route.data());
  EXPECT_TRUE(scratch.empty());
  const auto model = field_text(e, "request.params.model", scratch);
  ASSERT_TRUE(model);
  EXPECT_EQ(*model, "m");
  EXPECT_TRUE(scratch.empty());  // a JSON string is read in place too
  const auto status = field_text(e, "status", scratch);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, "502");
  EXPECT_EQ(status->data(), scratch.data());
  EXPECT_EQ(field_text(e, "request.params.missing", scratch), std::nullopt);
}

TEST(EventTest, FieldValueReadsKeysHoldingDots) {
  Event e;
  e.tags = {{"k8s.namespace", "payments"}, {"a", {{"b", "nested"}}}};
  EXPECT_EQ(field_value(e, "tags.k8s.namespace"), "payments");
  EXPECT_EQ(field_value(e, "tags.a.b"), "nested");
}

}  // namespace
}  // namespace erralert::core
