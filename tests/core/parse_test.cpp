// Tests for parse and validate: the validation table, the seed error bodies, aliases, limits.
#include "erralert/core/parse.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "erralert/core/utf8.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;
using Fields = std::map<std::string, std::optional<std::string>>;

const std::string kFffd = "\xEF\xBF\xBD";
constexpr std::int64_t kReceivedMs = 1795322986000;  // 2026-11-22T04:49:46Z, the time of receipt

ParseContext test_context() {
  ParseContext ctx;
  ctx.host = "web-3";
  ctx.default_environment = "prod";
  ctx.now_ms = kReceivedMs;
  return ctx;
}

std::string describe(const Errors& errors) {
  std::string out;
  for (const auto& e : errors) out += "{" + e.field + " | " + e.value + " | " + e.reason + "} ";
  return out;
}

/// Parses `text` as one event and checks each listed field_value.
void expect_fields(const std::string& text, const Fields& fields, const ParseContext& ctx = test_context()) {
  Result<Event> r = parse_event_text(text, ctx);
  ASSERT_TRUE(r.ok()) << text << "\n" << describe(r.errors());
  for (const auto& [path, value] : fields) EXPECT_EQ(field_value(*r, path), value) << text << "\n  field " << path;
}

struct AcceptCase {
  const char* input;
  Fields fields;
};

TEST(ParseTest, AcceptsAndNormalises) {
  const AcceptCase cases[] = {
      {R"({"service":"a","message":"m"})",
       {{"service", "a"}, {"message", "m"}, {"severity", "error"}, {"host", "web-3"}, {"environment", "prod"},
        {"timestamp", "2026-11-22T04:49:46Z"}, {"status", std::nullopt}, {"request.route", std::nullopt}}},
      {R"({"service":"a","message":"m","statusCode":404})", {{"status", "404"}}},
      {R"({"service":"a","message":"m","status":500,"statusCode":404})",
       {{"status", "500"}, {"extra.statusCode", "404"}}},
      {R"({"service":"a","message":"m","status":"502"})", {{"status", "502"}}},
      {R"({"service":"a","reason":"r"})", {{"message", "r"}}},
      {R"({"service":"a","message":"m","reason":"r"})", {{"message", "m"}, {"extra.reason", "r"}}},
      {R"({"service":"a","message":"","reason":"r"})", {{"message", "r"}}},
      {R"({"service":"a","message":["email must be an email","name should not be empty"]})",
       {{"message", "email must be an email; name should not be empty"}}},
      {R"({"service":"a","status":500,"error":"Internal Server Error","path":"/x"})",
       {{"message", "Internal Server Error"}, {"request.path", "/x"}, {"extra.error", std::nullopt}}},
      {R"({"service":"a","message":"","error":"Bad Request"})", {{"message", "Bad Request"}}},
      {R"({"service":"a","message":"m","error":"Bad Request"})", {{"message", "m"}, {"extra.error", "Bad Request"}}},
      {R"({"service":"a","message":"m","severity":"WARN"})", {{"severity", "warning"}}},
      {R"({"service":"a","message":"m","severity":"Critical"})", {{"severity", "critical"}}},
      {R"({"service":"a","message":"m","code":1001})", {{"code", "1001"}}},
      {R"({"service":"a","message":"m","code":"C001"})", {{"code", "C001"}}},
      {R"({"service":"a","message":"m","timestamp":"2026-11-22T04:49:46.123+00:00"})",
       {{"timestamp", "2026-11-22T04:49:46.123Z"}}},
      {R"({"service":"a","message":"m","timestamp":1795322986123})", {{"timestamp", "2026-11-22T04:49:46.123Z"}}},
      {R"({"service":"a","message":"m","timestamp":"1795322986123"})", {{"timestamp", "2026-11-22T04:49:46.123Z"}}},
      {R"({"service":"a","message":"m","timestamp":1795322986123.9})", {{"timestamp", "2026-11-22T04:49:46.123Z"}}},
      {R"({"service":"a","message":"m","host":"h","environment":"staging"})",
       {{"host", "h"}, {"environment", "staging"}}},
      {R"({"service":"a","message":"m","host":"","environment":"","trace_id":"","method":""})",
       {{"host", "web-3"}, {"environment", "prod"}, {"trace_id", std::nullopt}, {"request.method", std::nullopt}}},
      {R"({"service":"a","message":"m","method":"post","path":"/v1/users/48213/embeddings?page=3"})",
       {{"request.method", "POST"}, {"request.path", "/v1/users/48213/embeddings"}, {"request.query", "page=3"},
        {"request.route", "/v1/users/{id}/embeddings"}}},
      {R"({"service":"a","message":"m","method":"GET","request":{"method":"delete","path":"/a/1","query":"x=1"}})",
       {{"request.method", "DELETE"}, {"request.path", "/a/1"}, {"request.route", "/a/{id}"},
        {"extra.method", "GET"}}},
      {R"({"service":"a","message":"m","request":{"path":"/a?b=c","query":"given=1"}})",
       {{"request.path", "/a"}, {"request.query", "given=1"}}},
      {R"({"service":"a","message":"m","request":{"query":{"page":3,"q":"x"}}})", {{"request.query", "page=3&q=x"}}},
      {R"({"service":"a","message":"m","request":{"params":{"model":"m"},"headers":{"X-Id":"7"},"client_ip":"10.0.0.7"}})",
       {{"request.params.model", "m"}, {"request.headers.x-id", "7"}, {"request.client_ip", "10.0.0.7"}}},
      {R"({"service":"a","message":"m","request":{"route":"/forged","body":"kept"}})",
       {{"request.route", std::nullopt}, {"extra.request.body", "kept"}, {"extra.request.route", std::nullopt}}},
      {R"({"service":"a","message":"m","traceId":"abc"})", {{"trace_id", "abc"}}},
      {R"({"service":"a","message":"m","trace_id":"t","traceId":"abc"})", {{"trace_id", "t"}, {"extra.traceId", "abc"}}},
      {R"({"service":"a","message":"m","tags":{"n":1,"b":true,"s":"x","o":{"k":1},"z":null}})",
       {{"tags.n", "1"}, {"tags.b", "true"}, {"tags.s", "x"}, {"tags.o", R"({"k":1})"}, {"tags.z", std::nullopt}}},
      {R"({"service":"a","message":"m","detail":{"email":["Enter a valid email."]}})",
       {{"detail", R"({"email":["Enter a valid email."]})"}}},
      {R"({"service":"a","message":"m","exception":{"type":"E","message":"boom","stack":["at a","at b"]}})",
       {{"exception.type", "E"}, {"exception.message", "boom"}, {"exception.stacktrace", "at a\nat b"}}},
      {R"({"service":"a","message":"m","status":null,"code":null,"errors":null,"severity":null})",
       {{"status", std::nullopt}, {"code", std::nullopt}, {"severity", "error"}, {"extra.status", std::nullopt}}},
      {R"({"service":"a","message":"m","level":"x","nested":{"k":[1,2]}})",
       {{"extra.level", "x"}, {"level", "x"}, {"extra.nested.k", "[1,2]"}}},
      {R"({"service":"a","message":"m","fingerprint":["x","y"]})", {{"message", "m"}}},
  };
  for (const auto& c : cases) expect_fields(c.input, c.fields);
}

struct RejectCase {
  const char* input;
  Errors errors;
};

TEST(ParseTest, RejectsWithEveryReason) {
  const std::string required =
      "service is required (or X-Erralert-Service header, ?service=, defaults.service)";
  const RejectCase cases[] = {
      {"[1]", {{"", "[1]", "an event must be a JSON object"}}},
      {R"("text")", {{"", "text", "an event must be a JSON object"}}},
      {"{}", {{"service", "", required}, {"message", "", "message is required"}}},
      {R"({"message":"m"})", {{"service", "", required}}},
      {R"({"service":"","message":"m"})",
       {{"service", "", "must be 1..128 characters without control characters"}}},
      {R"({"service":"a\u0001b","message":"m"})",
       {{"service", "a\x01" "b", "must be 1..128 characters without control characters"}}},
      {R"({"service":5,"message":"m"})", {{"service", "5", "expected a string"}}},
      {R"({"service":"a","message":5})", {{"message", "5", "expected a string or an array of strings"}}},
      {R"({"service":"a","message":""})", {{"message", "", "must not be empty"}}},
      {R"({"service":"a","message":["x",1]})", {{"message", R"(["x",1])", "expected a string or an array of strings"}}},
      {R"({"service":"a","reason":{}})", {{"reason", "{}", "expected a string or an array of strings"}}},
      {R"({"service":"a","error":{"type":"x"}})", {{"message", "", "message is required"}}},
      {R"({"service":"a","error":"","title":""})", {{"message", "", "message is required"}}},
      {R"({"service":"a","message":5,"detail":"d"})", {{"message", "5", "expected a string or an array of strings"}}},
      {R"({"service":"a","message":"m","severity":"loud"})",
       {{"severity", "loud", "expected one of debug, info, warning, error, critical"}}},
      {R"({"service":"a","message":"m","severity":3})",
       {{"severity", "3", "expected one of debug, info, warning, error, critical"}}},
      {R"({"service":"a","message":"m","status":600})", {{"status", "600", "expected an integer 100..599"}}},
      {R"({"service":"a","message":"m","status":99})", {{"status", "99", "expected an integer 100..599"}}},
      {R"({"service":"a","message":"m","status":"abc"})", {{"status", "abc", "expected an integer 100..599"}}},
      {R"({"service":"a","message":"m","status":404.5})", {{"status", "404.5", "expected an integer 100..599"}}},
      {R"({"service":"a","message":"m","status":true})", {{"status", "true", "expected an integer 100..599"}}},
      {R"({"service":"a","message":"m","statusCode":"x"})", {{"statusCode", "x", "expected an integer 100..599"}}},
      {R"({"service":"a","message":"m","code":{}})", {{"code", "{}", "expected a string or a number"}}},
      {R"({"service":"a","message":"m","code":false})", {{"code", "false", "expected a string or a number"}}},
      {R"({"service":"a","message":"m","timestamp":"yesterday"})",
       {{"timestamp", "yesterday", "expected RFC 3339 or epoch milliseconds"}}},
      {R"({"service":"a","message":"m","timestamp":-5})", {{"timestamp", "-5", "expected RFC 3339 or epoch milliseconds"}}},
      {R"({"service":"a","message":"m","host":1})", {{"host", "1", "expected a string"}}},
      {R"({"service":"a","message":"m","request":"x"})", {{"request", "x", "expected an object"}}},
      {R"({"service":"a","message":"m","request":{"method":"GE T"}})",
       {{"request.method", "GE T", "expected an HTTP method token"}}},
      {R"({"service":"a","message":"m","method":"G(T"})", {{"method", "G(T", "expected an HTTP method token"}}},
      {R"({"service":"a","message":"m","request":{"path":7}})", {{"request.path", "7", "expected a string"}}},
      {R"({"service":"a","message":"m","path":["x"]})", {{"path", R"(["x"])", "expected a string"}}},
      {R"({"service":"a","message":"m","request":{"params":[]}})", {{"request.params", "[]", "expected an object"}}},
      {R"({"service":"a","message":"m","request":{"headers":"h"}})", {{"request.headers", "h", "expected an object"}}},
      {R"({"service":"a","message":"m","request":{"query":5}})",
       {{"request.query", "5", "expected a string or an object"}}},
      {R"({"service":"a","message":"m","errors":"x"})",
       {{"errors", "x", "expected an array of {field, value, reason}"}}},
      {R"({"service":"a","message":"m","errors":[{"field":"f","reason":"r"},5]})",
       {{"errors[1]", "5", "expected an object {field, value, reason}"}}},
      {R"({"service":"a","message":"m","errors":[{"field":{},"reason":"r"}]})",
       {{"errors[0].field", "{}", "expected a string"}}},
      {R"({"service":"a","message":"m","errors":[{"message":5}]})", {{"errors[0].message", "5", "expected a string"}}},
      {R"({"service":"a","message":"m","exception":"boom"})", {{"exception", "boom", "expected an object"}}},
      {R"({"service":"a","message":"m","exception":{"type":1}})", {{"exception.type", "1", "expected a string"}}},
      {R"({"service":"a","message":"m","exception":{"stacktrace":{}}})",
       {{"exception.stacktrace", "{}", "expected a string or an array of strings"}}},
      {R"({"service":"a","message":"m","traceId":5})", {{"traceId", "5", "expected a string"}}},
      {R"({"service":"a","message":"m","tags":["x"]})", {{"tags", R"(["x"])", "expected an object"}}},
      {R"({"service":"a","message":"m","fingerprint":"x"})",
       {{"fingerprint", "x", "expected an array of at most 16 strings"}}},
      {R"({"service":"a","message":"m","fingerprint":["a",1]})", {{"fingerprint[1]", "1", "expected a string"}}},
      {R"({"service":7,"message":[1],"status":"x","request":{"method":"a b"},"tags":1})",
       {{"service", "7", "expected a string"},
        {"message", "[1]", "expected a string or an array of strings"},
        {"status", "x", "expected an integer 100..599"},
        {"request.method", "a b", "expected an HTTP method token"},  // as sent, not upper-cased
        {"tags", "1", "expected an object"}}},
  };
  for (const auto& c : cases) {
    Result<Event> r = parse_event_text(c.input, test_context());
    ASSERT_FALSE(r.ok()) << c.input;
    EXPECT_EQ(r.errors(), c.errors) << c.input << "\n got: " << describe(r.errors());
  }
}

TEST(ParseTest, FingerprintOfSeventeenItemsIsRefused) {
  json j = {{"service", "a"}, {"message", "m"}, {"fingerprint", std::vector<std::string>(17, "x")}};
  Result<Event> r = parse_event(j, test_context());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].field, "fingerprint");
  j["fingerprint"] = std::vector<std::string>(16, "x");
  EXPECT_TRUE(parse_event(j, test_context()).ok());
}

TEST(ParseTest, ServiceComesFromBodyThenTransportThenDefault) {
  ParseContext ctx = test_context();
  ctx.default_service = "fallback";
  expect_fields(R"({"message":"m"})", {{"service", "fallback"}}, ctx);
  ctx.transport_service = "from-header";
  expect_fields(R"({"message":"m"})", {{"service", "from-header"}}, ctx);
  expect_fields(R"({"service":"own","message":"m"})", {{"service", "own"}}, ctx);
  ctx.transport_service = std::string(129, 's');
  EXPECT_FALSE(parse_event_text(R"({"message":"m"})", ctx).ok());
}

TEST(ParseTest, ErrorValuesAreShortenedOnCharacterBoundaries) {
  std::string service;
  for (int i = 0; i < 200; ++i) service += "\xEC\x97\xB0";  // 200 Hangul syllables: too long
  Result<Event> r = parse_event(json{{"service", service}, {"message", "m"}}, test_context());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(count_chars(r.errors()[0].value), 64u);
  EXPECT_TRUE(is_valid_utf8(r.errors()[0].value));
}

TEST(ParseTest, CapsMessageAndStacktrace) {
  ParseContext ctx = test_context();
  ctx.max_event_bytes = 1 << 20;
  const json j = {{"service", "a"},
                  {"message", std::string(10000, 'm')},
                  {"exception", {{"stacktrace", std::string(20000, 's')}}}};
  Result<Event> r = parse_event_text(j.dump(), ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message.size(), 8192u);
  EXPECT_TRUE(r->message.ends_with("\xE2\x80\xA6"));
  EXPECT_EQ(r->exception.stacktrace.size(), 16384u);
}

// ---------------------------------------------------------------------------------------------
// The three seed error bodies (shared/seeds 001, 003, 004), accepted as they are.

constexpr const char* kSpringBody = R"({
"message": " Invalid Input Value",
"status": 400,
"errors": [
{
"field": "name.last",
"value": "",
"reason": "must not be empty"
},
{
"field": "name.first",
"value": "",
"reason": "must not be empty"
}
],
"code": "C001"
})";

constexpr const char* kNestBody = R"({
  "statusCode": 400,
  "timestamp": "2022-12-22T04:49:46.123Z",
  "path": "/auth/login",
  "message": "Invalid Provider"
})";

constexpr const char* kDrfBody =
    "{ \"code\": \"FEP-SEC-01001\", \"message\": \"\xEC\xA6\x9D\xEA\xB6\x8C\xEC\x82\xAC \xEC\xA0\x95\xEB\xB3\xB4 "
    "\xEC\x97\x90\xEB\x9F\xAC\", \"detail\": \"\xEC\xA6\x9D\xEA\xB6\x8C\xEC\x82\xAC \xEC\x9D\xB8\xEC\xA6\x9D "
    "\xEC\xA0\x95\xEB\xB3\xB4\xEB\xA5\xBC \xEA\xB0\x80\xEC\xA0\xB8\xEC\x98\xA4\xEB\x8A\x94 \xEA\xB3\xBC\xEC\xA0\x95"
    "\xEC\x97\x90\xEC\x84\x9C \xEC\x97\x90\xEB\x9F\xAC\xEA\xB0\x80 \xEB\xB0\x9C\xEC\x83\x9D\xED\x95\x98\xEC\x98\x80"
    "\xEC\x8A\xB5\xEB\x8B\x88\xEB\x8B\xA4.\" }";

ParseContext seed_context() {
  ParseContext ctx = test_context();
  ctx.transport_service = "b-service";
  return ctx;
}

TEST(ParseTest, SeedSpringBody) {
  BodyResult r = parse_body(kSpringBody, BodyFormat::json, seed_context());
  ASSERT_EQ(r.events.size(), 1u) << (r.rejected.empty() ? "" : describe(r.rejected[0].errors));
  const Event& e = r.events[0];
  EXPECT_EQ(e.service, "b-service");
  EXPECT_EQ(e.message, " Invalid Input Value");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "C001");
  ASSERT_EQ(e.errors.size(), 2u);
  EXPECT_EQ(e.errors[0].field, "name.last");
  EXPECT_EQ(e.errors[0].value, "");
  EXPECT_EQ(e.errors[0].reason, "must not be empty");
  EXPECT_EQ(e.errors[1].field, "name.first");
  EXPECT_TRUE(e.extra.empty());
}

TEST(ParseTest, SeedNestBody) {
  BodyResult r = parse_body(kNestBody, BodyFormat::json, seed_context());
  ASSERT_EQ(r.events.size(), 1u);
  const Event& e = r.events[0];
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.message, "Invalid Provider");
  EXPECT_EQ(e.request.path, "/auth/login");
  EXPECT_EQ(e.request.route, "/auth/login");
  // Two years stale: the receipt time dates the alert; the app's time is kept beside it.
  EXPECT_EQ(field_value(e, "timestamp"), "2026-11-22T04:49:46Z");
  EXPECT_EQ(field_value(e, "app_timestamp"), "2022-12-22T04:49:46.123Z");
  EXPECT_EQ(e.severity, Severity::warning);
  EXPECT_TRUE(e.extra.empty());
}

TEST(ParseTest, SeedDrfBody) {
  BodyResult r = parse_body(kDrfBody, BodyFormat::json, seed_context());
  ASSERT_EQ(r.events.size(), 1u);
  const Event& e = r.events[0];
  EXPECT_EQ(e.code, "FEP-SEC-01001");
  EXPECT_EQ(e.message, "\xEC\xA6\x9D\xEA\xB6\x8C\xEC\x82\xAC \xEC\xA0\x95\xEB\xB3\xB4 \xEC\x97\x90\xEB\x9F\xAC");
  EXPECT_TRUE(e.detail.starts_with("\xEC\xA6\x9D\xEA\xB6\x8C\xEC\x82\xAC \xEC\x9D\xB8\xEC\xA6\x9D"));
  EXPECT_EQ(e.status, 0);
  EXPECT_TRUE(e.extra.empty());
}

// ---------------------------------------------------------------------------------------------
// What apps forward as they are (issue 16): envelopes, problem details, field maps, severity
// from status, a stale timestamp, the default service.

TEST(ParseTest, ErrorEnvelopesAndProblemDetails) {
  const AcceptCase cases[] = {
      // OpenAI's body from seed 000, forwarded by the calling service.
      {R"({"service":"a","error":{"message":"Internal server error","type":"auth_subrequest_error","param":null,
           "code":"internal_error"}})",
       {{"message", "Internal server error"}, {"code", "internal_error"}, {"exception.type", "auth_subrequest_error"},
        {"extra.error.param", std::nullopt}, {"extra.error.type", "auth_subrequest_error"}}},
      {R"({"service":"a","error":{"code":502,"message":"Bad gateway.","param":null,"type":"cf_bad_gateway"}})",
       {{"message", "Bad gateway."}, {"code", "502"}, {"exception.type", "cf_bad_gateway"}}},
      // Google's: code is the HTTP status there, status the symbolic code.
      {R"({"service":"a","error":{"code":404,"message":"Not found","status":"NOT_FOUND"}})",
       {{"message", "Not found"}, {"code", "404"}}},
      {R"({"service":"a","error":{"message":"x","code":"E1","type":"T"},"message":"m","code":"C","exception":{"type":"X"}})",
       {{"message", "m"}, {"code", "C"}, {"exception.type", "X"}}},
      {R"({"service":"a","error":"invalid_grant"})", {{"message", "invalid_grant"}}},
      // RFC 9457 problem details, as Spring 6's ProblemDetail writes them.
      {R"({"service":"a","type":"about:blank","title":"Not Found","status":404,"detail":"No user 42",
           "instance":"/v1/users/42"})",
       {{"message", "Not Found"}, {"detail", "No user 42"}, {"status", "404"}, {"request.path", "/v1/users/42"},
        {"request.route", "/v1/users/{id}"}, {"extra.type", "about:blank"}, {"extra.title", std::nullopt},
        {"extra.instance", std::nullopt}}},
      {R"({"service":"a","message":"m","title":"T","instance":"urn:x","path":"/p"})",
       {{"message", "m"}, {"extra.title", "T"}, {"request.path", "/p"}, {"extra.instance", "urn:x"}}},
      // DRF: detail alone is the message (not kept twice); detail beside message stays.
      {R"({"service":"a","detail":"Authentication credentials were not provided."})",
       {{"message", "Authentication credentials were not provided."}, {"detail", std::nullopt}}},
      {R"({"service":"a","message":"short","detail":"long"})", {{"message", "short"}, {"detail", "long"}}},
      {R"({"service":"a","message":"","detail":"d"})", {{"message", "d"}}},
  };
  for (const auto& c : cases) expect_fields(c.input, c.fields);
}

TEST(ParseTest, FieldMapsAndMessageArraysBecomeFieldErrors) {
  // DRF's ValidationError body is the field map itself.
  Result<Event> drf = parse_event_text(
      R"({"service":"a","status":400,"name":["This field may not be blank."],
          "age":["A valid integer is required.","Too young."],"non_field_errors":["Passwords differ."],"page":[1]})",
      test_context());
  ASSERT_TRUE(drf.ok()) << describe(drf.errors());
  ASSERT_EQ(drf->errors.size(), 4u);
  EXPECT_EQ(drf->errors[0].field, "age");
  EXPECT_EQ(drf->errors[0].reason, "A valid integer is required.");
  EXPECT_EQ(drf->errors[1].reason, "Too young.");
  EXPECT_EQ(drf->errors[2].field, "name");
  EXPECT_EQ(drf->errors[3].field, "");
  EXPECT_EQ(drf->errors[3].reason, "Passwords differ.");
  EXPECT_EQ(drf->message, "age: A valid integer is required.");
  EXPECT_EQ(field_value(*drf, "extra.page"), "[1]") << "not a list of messages: kept as it is";
  EXPECT_EQ(field_value(*drf, "extra.name"), std::nullopt);

  // A message given: top-level lists are not taken for field errors.
  expect_fields(R"({"service":"a","message":"m","name":["x"]})", {{"extra.name", R"(["x"])"}});

  // A field map under detail (DRF standard bodies that nest it).
  Result<Event> nested = parse_event_text(
      R"({"service":"a","code":"invalid","message":"Invalid input.","detail":{"name":["This field may not be blank."]}})",
      test_context());
  ASSERT_TRUE(nested.ok());
  ASSERT_EQ(nested->errors.size(), 1u);
  EXPECT_EQ(nested->errors[0].field, "name");
  EXPECT_EQ(nested->detail, R"({"name":["This field may not be blank."]})");
  Result<Event> bare = parse_event_text(R"({"service":"a","detail":{"name":["Required."]}})", test_context());
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->message, "name: Required.") << "a structured detail is no message";

  // Nest's ValidationPipe: the array is the message, joined, and each item an errors[] entry.
  Result<Event> nest = parse_event_text(
      R"({"service":"a","statusCode":400,"message":["name should not be empty","age must be an integer"],
          "error":"Bad Request"})",
      test_context());
  ASSERT_TRUE(nest.ok());
  EXPECT_EQ(nest->message, "name should not be empty; age must be an integer");
  ASSERT_EQ(nest->errors.size(), 2u);
  EXPECT_EQ(nest->errors[1].reason, "age must be an integer");
  EXPECT_EQ(field_value(*nest, "extra.error"), "Bad Request");

  // Given errors win over the array.
  Result<Event> both = parse_event_text(R"({"service":"a","message":["x"],"errors":[{"field":"f","reason":"r"}]})",
                                        test_context());
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->errors.size(), 1u);
  EXPECT_EQ(both->errors[0].field, "f");
}

TEST(ParseTest, SeverityDefaultsFromStatus) {
  const AcceptCase cases[] = {
      {R"({"service":"a","message":"m","status":502})", {{"severity", "error"}}},
      {R"({"service":"a","message":"m","statusCode":401})", {{"severity", "warning"}}},
      {R"({"service":"a","message":"m","status":400,"severity":"critical"})", {{"severity", "critical"}}},
      {R"({"service":"a","message":"m","status":503,"severity":"info"})", {{"severity", "info"}}},
      {R"({"service":"a","message":"m","status":302})", {{"severity", "error"}}},
      {R"({"service":"a","message":"m"})", {{"severity", "error"}}},
  };
  for (const auto& c : cases) expect_fields(c.input, c.fields);
}

TEST(ParseTest, AStaleTimestampIsShownBesideTheReceiptTime) {
  const AcceptCase cases[] = {
      // Within 5 minutes either way: the app's time dates the event.
      {R"({"service":"a","message":"m","timestamp":"2026-11-22T04:45:00Z"})",
       {{"timestamp", "2026-11-22T04:45:00Z"}, {"app_timestamp", std::nullopt}}},
      {R"({"service":"a","message":"m","timestamp":"2026-11-22T04:54:46Z"})",
       {{"timestamp", "2026-11-22T04:54:46Z"}, {"app_timestamp", std::nullopt}}},
      // Further: the receipt time dates it, the app's time is kept.
      {R"({"service":"a","message":"m","timestamp":"2026-11-22T04:44:45Z"})",
       {{"timestamp", "2026-11-22T04:49:46Z"}, {"app_timestamp", "2026-11-22T04:44:45Z"}}},
      {R"({"service":"a","message":"m","timestamp":1895322986000})",
       {{"timestamp", "2026-11-22T04:49:46Z"}, {"app_timestamp", "2030-01-22T14:36:26Z"}}},
      // Read back from storage: both times stay as they were.
      {R"({"service":"a","message":"m","timestamp":"2026-11-01T00:00:00Z","app_timestamp":"2022-12-22T04:49:46Z"})",
       {{"timestamp", "2026-11-01T00:00:00Z"}, {"app_timestamp", "2022-12-22T04:49:46Z"}}},
  };
  for (const auto& c : cases) expect_fields(c.input, c.fields);
  Result<Event> stale = parse_event_text(kNestBody, seed_context());
  ASSERT_TRUE(stale.ok());
  const json j = to_json(*stale);
  EXPECT_EQ(j["app_timestamp"], "2022-12-22T04:49:46.123Z");
  Result<Event> back = parse_event(j, seed_context());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(to_json(*back), j);
}

TEST(ParseTest, TheDefaultServiceIsMarked) {
  ParseContext ctx = test_context();
  ctx.default_service = "unknown";
  Result<Event> defaulted = parse_event_text(R"({"message":"m"})", ctx);
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->service, "unknown");
  EXPECT_TRUE(defaulted->service_defaulted);
  Result<Event> named = parse_event_text(R"({"service":"unknown","message":"m"})", ctx);
  ASSERT_TRUE(named.ok());
  EXPECT_FALSE(named->service_defaulted);
  ctx.transport_service = "from-header";
  Result<Event> hinted = parse_event_text(R"({"message":"m"})", ctx);
  ASSERT_TRUE(hinted.ok());
  EXPECT_FALSE(hinted->service_defaulted);
}

TEST(ParseTest, SpringBindingErrorsAndErrorMaps) {
  expect_fields(R"({"service":"a","message":"m","errors":[{"field":"email","rejectedValue":"asd",
                    "defaultMessage":"must be a well-formed email address","codes":["Email"]}]})",
                {{"message", "m"}});
  Result<Event> r = parse_event_text(
      R"({"service":"a","message":"m","errors":[{"field":"email","rejectedValue":"asd","defaultMessage":"bad"},"plain"]})",
      test_context());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(r->errors[0].value, "asd");
  EXPECT_EQ(r->errors[0].reason, "bad");
  EXPECT_EQ(r->errors[1].reason, "plain");

  r = parse_event_text(R"({"service":"a","message":"m","errors":{"email":["Enter a valid email.","Too long."],"name":"Required."}})",
                       test_context());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->errors.size(), 3u);
  EXPECT_EQ(r->errors[0].field, "email");
  EXPECT_EQ(r->errors[1].reason, "Too long.");
  EXPECT_EQ(r->errors[2].field, "name");
  EXPECT_EQ(r->errors[2].reason, "Required.");
}

// ---------------------------------------------------------------------------------------------
// Bodies: arrays, NDJSON, syntax errors, limits, nesting, UTF-8

TEST(ParseTest, BodyArrayAcceptsEventByEvent) {
  const std::string body =
      R"([{"service":"a","message":"one"}, {"service":"a"}, 5, {"service":"a","message":"four"}])";
  BodyResult r = parse_body(body, BodyFormat::json, test_context());
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].message, "four");
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_EQ(r.rejected[0].errors[0].field, "message");
  EXPECT_EQ(r.rejected[1].index, 2u);
  EXPECT_EQ(r.rejected[1].errors[0].reason, "an event must be a JSON object");
  EXPECT_FALSE(r.syntax_error);
  EXPECT_EQ(r.total(), 4u);
}

TEST(ParseTest, BodyScalarIsOneRejection) {
  BodyResult r = parse_body("  42 ", BodyFormat::json, test_context());
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 0u);
  EXPECT_EQ(r.rejected[0].errors[0].reason, "an event must be a JSON object");
  EXPECT_TRUE(parse_body("[]", BodyFormat::json, test_context()).total() == 0);
}

TEST(ParseTest, SyntaxErrorsSayWhere) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"service":"a",})", "syntax error at byte 15: unexpected '}'; expected string literal"},
      {R"({"service":"a")", "syntax error at byte 14: unexpected end of input; expected '}'"},
      {"[1,2,,]", "syntax error at byte 5: unexpected ','; expected '[', '{', or a literal"},
      {"", "syntax error at byte 0: the body is empty"},
      {" \n", "syntax error at byte 0: the body is empty"},
      {R"({"a":1} x)", "syntax error at byte 8: invalid literal; last read: '1} x'; expected end of input"},
  };
  for (const auto& [body, message] : cases) {
    BodyResult r = parse_body(body, BodyFormat::json, test_context());
    ASSERT_TRUE(r.syntax_error) << body;
    EXPECT_EQ(*r.syntax_error, message) << body;
    EXPECT_EQ(r.total(), 0u);
  }
}

TEST(ParseTest, NdjsonLinesAreIndexedAmongNonBlankLines) {
  const std::string body =
      "{\"service\":\"a\",\"message\":\"one\"}\r\n"
      "\n"
      "{\"service\":\"a\",\"message\":\n"
      "   \r\n"
      "{\"service\":\"a\",\"message\":\"three\"}\n"
      "[{\"service\":\"a\",\"message\":\"x\"}]\n"
      "{\"service\":\"a\",\"message\":\"five\"}";
  BodyResult r = parse_body(body, BodyFormat::ndjson, test_context());
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.events[2].message, "five");
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_TRUE(r.rejected[0].errors[0].reason.starts_with("syntax error at byte 25: unexpected end of input"));
  EXPECT_EQ(r.rejected[1].index, 3u);
  EXPECT_EQ(r.rejected[1].errors[0].reason, "an event must be a JSON object");
  EXPECT_FALSE(r.syntax_error);
}

std::string event_of_size(std::size_t bytes) {
  json j = {{"service", "a"}, {"message", "m"}, {"detail", ""}};
  j["detail"] = std::string(bytes - j.dump().size(), 'd');
  return j.dump();
}

TEST(ParseTest, TwoMebibyteBodyWithSixtyFourKibibyteEvents) {
  ParseContext ctx = test_context();
  ctx.max_event_bytes = 64 * 1024;
  std::string body = "[";
  const std::size_t n = 40;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) body += ",\n  ";
    body += event_of_size(i == 7 ? 64 * 1024 + 1 : (i == 8 ? 64 * 1024 : 50 * 1024));
  }
  body += "]";
  ASSERT_GT(body.size(), 2u * 1000 * 1000);
  BodyResult r = parse_body(body, BodyFormat::json, ctx);
  EXPECT_FALSE(r.syntax_error);
  EXPECT_EQ(r.events.size(), n - 1);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 7u);
  EXPECT_TRUE(r.rejected[0].too_large);

  // One event over the limit, as a lone object, an NDJSON line or a socket line.
  const std::string big = event_of_size(2 * 1024 * 1024);
  r = parse_body(big, BodyFormat::json, ctx);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_TRUE(r.rejected[0].too_large);
  EXPECT_EQ(r.rejected[0].index, 0u);
  r = parse_body(R"({"service":"a","message":"m"})" "\n" + big + "\n" R"({"service":"a","message":"m"})",
                 BodyFormat::ndjson, ctx);
  EXPECT_EQ(r.events.size(), 2u);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_TRUE(r.rejected[0].too_large);
  Result<Event> one = parse_event_text(big, ctx);
  ASSERT_FALSE(one.ok());
  EXPECT_TRUE(one.errors()[0].reason.starts_with("event is 2097152 bytes, over the limit of 65536"));
}

TEST(ParseTest, DeepNestingIsRefusedWhereItGoesTooDeep) {
  const std::string deep(1 << 20, '[');
  BodyResult r = parse_body(deep, BodyFormat::json, test_context());
  ASSERT_TRUE(r.syntax_error);
  EXPECT_EQ(*r.syntax_error, "nested deeper than 64 levels at byte 65");  // arrays get one more level

  ParseContext big = test_context();
  big.max_event_bytes = 2 << 20;
  std::string deep_object;
  for (int i = 0; i < 100'000; ++i) deep_object += "{\"a\":";
  Result<Event> one = parse_event_text(deep_object, big);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.errors()[0].reason, "nested deeper than 64 levels at byte 320");  // 64 levels of 5 bytes

  // Text that is malformed before it is deep is a syntax error, located.
  one = parse_event_text(std::string(1 << 20, '{'), big);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.errors()[0].reason, "syntax error at byte 1: unexpected '{'; expected string literal");

  r = parse_body("{\"service\":\"a\",\"message\":\"m\"}\n" + deep + "\n", BodyFormat::ndjson, big);
  EXPECT_EQ(r.events.size(), 1u);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 1u);

  // 64 levels are fine (the event object is the first), and brackets inside strings do not count.
  const std::string ok = R"({"service":"a","message":"[[[[[[{{{{","x":)" + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_TRUE(parse_event_text(ok, test_context()).ok());
  const std::string array_ok = "[" + ok + "]";
  EXPECT_EQ(parse_body(array_ok, BodyFormat::json, test_context()).events.size(), 1u);
  const std::string too_deep = R"({"service":"a","message":"m","x":)" + std::string(64, '[') + std::string(64, ']') + "}";
  EXPECT_FALSE(parse_event_text(too_deep, test_context()).ok());
}

TEST(ParseTest, DeepJsonValueIsRefused) {
  json j = json::array();
  for (int i = 0; i < 100; ++i) j = json::array({std::move(j)});
  const json event = {{"service", "a"}, {"message", "m"}, {"x", std::move(j)}};
  Result<Event> r = parse_event(event, test_context());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].reason, "nested deeper than 64 levels");
}

TEST(ParseTest, RepairsInvalidUtf8InsideStrings) {
  const std::string body = "{\"service\":\"a\",\"message\":\"bad \xC3\x28 byte\",\"tags\":{\"k\xFF\":\"v\xED\xA0\x80\"}}";
  BodyResult r = parse_body(body, BodyFormat::json, test_context());
  ASSERT_EQ(r.events.size(), 1u);
  const Event& e = r.events[0];
  EXPECT_EQ(e.message, "bad " + kFffd + "( byte");
  EXPECT_EQ(e.tags["k" + kFffd], "v" + kFffd + kFffd + kFffd);
  EXPECT_NO_THROW(to_json(e).dump());

  Result<Event> line = parse_event_text("{\"service\":\"a\xF0\x9F\",\"message\":\"m\"}", test_context());
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->service, "a" + kFffd);
}

TEST(ParseTest, RepairsInvalidUtf8InJsonValues) {
  json j = {{"service", "a"}, {"message", "bad \xC3"}, {"custom", {{"k\xFF", "v\xFF"}}}};
  Result<Event> r = parse_event(j, test_context());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message, "bad " + kFffd);
  EXPECT_NO_THROW(to_json(*r, true).dump());
  EXPECT_EQ(field_value(*r, "custom.k" + kFffd), "v" + kFffd);
}

TEST(ParseTest, NumbersOutOfRangeAndEscapes) {
  // A number JSON cannot hold in a double is kept as null; where a field needs it, it is refused.
  Result<Event> big = parse_event_text(R"({"service":"a","message":"m","big":1e400,"request":{"params":{"n":-1e999}}})",
                                       test_context());
  ASSERT_TRUE(big.ok()) << describe(big.errors());
  EXPECT_TRUE(big->extra["big"].is_null());
  EXPECT_TRUE(big->request.params["n"].is_null());
  Result<Event> when = parse_event_text(R"({"service":"a","message":"m","timestamp":1e400})", test_context());
  ASSERT_FALSE(when.ok());
  EXPECT_EQ(when.errors()[0].field, "timestamp");

  // Escapes decode to UTF-8, surrogate pairs included; a lone surrogate is a located syntax error.
  Result<Event> pair = parse_event_text(R"({"service":"a","message":"\u00e9 \ud83d\ude00 \u0000"})", test_context());
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->message, std::string("\xC3\xA9 \xF0\x9F\x98\x80 ") + std::string(1, '\0'));
  BodyResult lone = parse_body(R"({"service":"a","message":"\ud800"})", BodyFormat::json, test_context());
  ASSERT_TRUE(lone.syntax_error);
  EXPECT_EQ(lone.syntax_error->rfind("syntax error at byte 32: ", 0), 0u) << *lone.syntax_error;

  // Integers: 64-bit signed range for status and timestamp; beyond it, refused, not wrapped.
  Result<Event> huge = parse_event_text(R"({"service":"a","message":"m","timestamp":18446744073709551615})", test_context());
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.errors()[0].value, "18446744073709551615");
}

// fuzz_parse_body's checks over its seed corpus (tests/fuzz/corpus/parse_body), in the unit
// tests, where every build runs them: each accepted event reads back the same from its JSON.
TEST(ParseTest, FuzzSeedsRoundTrip) {
  std::size_t seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ERRALERT_SOURCE_DIR "/tests/fuzz/corpus/parse_body")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    ParseContext ctx = test_context();
    ctx.default_service = "fuzz";
    const BodyResult r = parse_body(text.str(), BodyFormat::json, ctx);
    for (const Event& e : r.events) {
      const Result<Event> back = parse_event(to_json(e), ctx);
      ASSERT_TRUE(back.ok()) << entry.path() << "\n" << describe(back.errors());
      EXPECT_EQ(to_json(*back), to_json(e)) << entry.path();
    }
    ++seeds;
  }
  EXPECT_GE(seeds, 14u);
}

TEST(ParseTest, DuplicateKeysKeepTheLast) {
  Result<Event> r = parse_event_text(R"({"service":"a","message":"first","message":"second"})", test_context());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message, "second");
}

}  // namespace
}  // namespace erralert::core
