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

std::string dumped(const Event& e, bool include_extra) {
  return to_json(e, include_extra).dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(EventTest, ToJsonTextIsTheDocumentsDumpByteForByte) {
  std::vector<std::pair<std::string, Event>> cases;
  cases.emplace_back("the sample", sample_event());
  Event bare;  // only what is always written: severity and timestamp
  cases.emplace_back("an empty event", bare);
  Event odd = sample_event();
  odd.message = std::string("quote \" backslash \\ tab \t nl \n cr \r ff \f bs \b nul ") + '\0' +
                "\x01\x1f\x7f end";
  odd.detail = "\xEC\x97\xB0 \xF0\x9F\x94\xA5 \xC3\xA9";  // 3- and 4-byte UTF-8, an accent
  odd.app_timestamp_ms = 1795322986123;
  odd.status = 0;
  odd.fingerprint = {"a", "b\"c", ""};
  odd.errors.push_back({"x", json::array({1, 2.5, nullptr, true}), "r"});
  odd.exception.message = "m";
  odd.exception.stacktrace = "at a\nat b";
  odd.request = {};
  odd.request.client_ip = "10.0.0.7";
  odd.request.params = {{"pi", 3.14159}, {"big", 18446744073709551615ULL}, {"neg", -7}, {"s", "\x02"}};
  cases.emplace_back("escapes, numbers and every optional member", odd);
  Event invalid = sample_event();
  invalid.host = "web-\xFF\xC3";  // not UTF-8: dump() replaces it, and so must the text
  cases.emplace_back("a string that is not UTF-8", invalid);
  Event extra = sample_event();
  // Unknown fields sort in among the known ones; a known field that is written wins, and an
  // unknown one with the name of a known field left out is written in its place.
  extra.detail.clear();
  extra.extra = {{"aaa", 1}, {"code", "shadowed"}, {"detail", {{"from", "extra"}}}, {"m", nullptr},
                 {"requestx", json::array()}, {"zzz", "last"}, {"\xC3\xA9", "after every ASCII name"}};
  cases.emplace_back("unknown fields among the known", extra);
  Event only_extra;
  only_extra.extra = {{"a", 1}};
  cases.emplace_back("only an unknown field", only_extra);
  Event empty_json = sample_event();
  empty_json.request = {};
  empty_json.request.params = json::object();
  empty_json.tags = json::object();
  cases.emplace_back("empty objects are left out", empty_json);

  for (const auto& [name, e] : cases) {
    for (bool include_extra : {false, true}) {
      EXPECT_EQ(to_json_text(e, include_extra), dumped(e, include_extra)) << name << ", extra " << include_extra;
    }
  }
}

TEST(EventTest, ToJsonTextOfParsedEventsIsTheirDump) {
  // Events as apps send them (the parser's own output), unknown fields and all.
  ParseContext ctx;
  ctx.default_service = "svc";
  ctx.now_ms = 1795322986000;
  for (const char* body : {
           R"({"message":"m"})",
           R"({"service":"a","message":"b","code":"C-1","status":503,"detail":{"name":["may not be blank"]}})",
           R"({"message":"m","request":{"method":"GET","path":"/v1/x/42?q=1","params":{"a":[1,{"b":null}]}},"zeta":1,"alpha":{"x":"y"}})",
           R"({"error":"Bad Gateway","path":"/api/v1/orders","status":502,"timestamp":"2026-11-22T04:49:46.000+00:00"})",
           R"({"message":["name must not be empty","age must be positive"],"statusCode":400,"error":"Bad Request"})",
           R"({"message":"m","tags":{"team":"payments","n":3},"fingerprint":["x","y"],"exception":{"type":"T","stack":"s"}})",
       }) {
    const BodyResult r = parse_body(body, BodyFormat::json, ctx);
    ASSERT_EQ(r.events.size(), 1u) << body;
    for (bool include_extra : {false, true}) {
      EXPECT_EQ(to_json_text(r.events[0], include_extra), dumped(r.events[0], include_extra)) << body;
    }
  }
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
