// The Sentry event mapping, one test per row of the README's table ("Apps that already use a
// Sentry SDK"), and its leniency: wrong types left out, invalid fields dropped, size shed.
#include "erralert/ingest/sentry_event.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "erralert/core/fingerprint.hpp"
#include "erralert/core/redact.hpp"

namespace erralert::ingest {
namespace {

using json = nlohmann::json;
constexpr std::int64_t kReceivedMs = 1795322986000;  // 2026-11-22T04:49:46Z

core::ParseContext context(std::string project_service = "payment-api") {
  core::ParseContext ctx;
  ctx.default_service = "unknown";
  ctx.host = "sidecar-host";
  ctx.now_ms = kReceivedMs;
  ctx.transport_service = std::move(project_service);
  return ctx;
}

std::string describe(const core::Errors& errors) {
  std::string out;
  for (const auto& e : errors) out += "{" + e.field + " | " + e.reason + "} ";
  return out;
}

/// The erralert event a Sentry event maps to; fails the test when it is refused.
core::Event mapped(const json& sentry, const core::ParseContext& ctx = context()) {
  SentryEvent r = read_sentry_event(sentry.dump(), ctx);
  EXPECT_TRUE(r.event.has_value()) << sentry.dump() << "\n" << describe(r.errors);
  return r.event.value_or(core::Event{});
}

core::Event mapped_text(std::string_view text) {
  SentryEvent r = read_sentry_event(text, context());
  EXPECT_TRUE(r.event.has_value()) << text << "\n" << describe(r.errors);
  return r.event.value_or(core::Event{});
}

std::optional<std::string> field(const core::Event& e, std::string_view path) { return core::field_value(e, path); }

/// What sentry-python 1.9.10 sends for an unhandled ZeroDivisionError in a Django view.
json python_event() {
  return json::parse(R"({
    "event_id": "9ec79c33ec9942ab8353589fcb2e04dc",
    "timestamp": "2026-11-22T04:49:45.123456Z",
    "level": "error",
    "platform": "python",
    "server_name": "web-3",
    "environment": "prod",
    "release": "payment-api@1.4.2",
    "sdk": {"name": "sentry.python", "version": "1.9.10"},
    "transaction": "/v1/users/{id}/embeddings",
    "exception": {"values": [
      {"type": "KeyError", "value": "'model'", "module": null,
       "stacktrace": {"frames": [{"function": "lookup", "module": "app.models", "filename": "app/models.py",
                                  "lineno": 7, "in_app": true}]}},
      {"type": "ZeroDivisionError", "value": "division by zero", "module": "builtins",
       "mechanism": {"type": "django", "handled": false},
       "stacktrace": {"frames": [
         {"function": "get_response", "module": "django.core.handlers.base", "filename": "django/core/handlers/base.py",
          "lineno": 197, "in_app": false},
         {"function": "embeddings", "module": "app.views", "filename": "app/views.py", "lineno": 31, "in_app": true},
         {"function": "divide", "module": "app.views", "filename": "app/views.py", "lineno": 12, "in_app": true}
       ]}}
    ]},
    "request": {"url": "http://127.0.0.1:8000/v1/users/48213/embeddings", "method": "POST",
                "query_string": "model=m&password=hunter2",
                "data": {"name": "", "card_no": "4111 1111 1111 1111"},
                "headers": {"Host": "127.0.0.1:8000", "Authorization": "Bearer abc.def", "User-Agent": "curl/7.88"},
                "cookies": {"sessionid": "s3cr3t-session", "csrftoken": "t0ken"},
                "env": {"REMOTE_ADDR": "10.0.0.7", "SERVER_NAME": "web-3"}},
    "contexts": {"trace": {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"},
                 "runtime": {"name": "CPython", "version": "3.11.2"}},
    "tags": {"team": "payments"},
    "extra": {"sys.argv": ["manage.py", "runserver"]},
    "breadcrumbs": {"values": [{"message": "GET /health", "category": "httplib"}]},
    "modules": {"django": "3.2.19"}
  })");
}

// --- one test per row of the README table --------------------------------------------------

TEST(SentryMapping, ServiceFromTheProjectOrAServiceTag) {
  EXPECT_EQ(mapped(python_event()).service, "payment-api");
  json tagged = python_event();
  tagged["tags"]["service"] = "billing-worker";
  EXPECT_EQ(mapped(tagged).service, "billing-worker");
  const core::Event fallback = mapped(python_event(), context(""));
  EXPECT_EQ(fallback.service, "unknown") << "a project without service: defaults.service";
  EXPECT_TRUE(fallback.service_defaulted);
}

TEST(SentryMapping, EnvironmentAndServerNameAsHost) {
  const core::Event e = mapped(python_event());
  EXPECT_EQ(e.environment, "prod");
  EXPECT_EQ(e.host, "web-3");
  json bare = {{"message", "m"}};
  EXPECT_EQ(mapped(bare).host, "sidecar-host") << "no server_name: the daemon's host";
}

TEST(SentryMapping, TimestampRfc3339OrEpochSeconds) {
  EXPECT_EQ(field(mapped(python_event()), "timestamp"), "2026-11-22T04:49:45.123Z");
  const struct {
    json ts;
    std::optional<std::string> expected;
  } cases[] = {
      {1795322985.5, "2026-11-22T04:49:45.500Z"},
      {1795322985, "2026-11-22T04:49:45Z"},
      {"2026-11-22T04:49:45", "2026-11-22T04:49:45Z"},  // no zone: UTC, as Relay reads it
      {"2026-11-22T13:49:45+09:00", "2026-11-22T04:49:45Z"},
      {"1795322985.25", "2026-11-22T04:49:45.250Z"},
      {"yesterday", "2026-11-22T04:49:46Z"},  // unreadable: the time of receipt
      {json::array(), "2026-11-22T04:49:46Z"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(field(mapped({{"message", "m"}, {"timestamp", c.ts}}), "timestamp"), c.expected) << c.ts.dump();
  }
  // An SDK clock off by an hour dates nothing, as for every event.
  const core::Event skewed = mapped({{"message", "m"}, {"timestamp", 1795322985.0 - 3600}});
  EXPECT_EQ(skewed.timestamp_ms, kReceivedMs);
  EXPECT_EQ(skewed.app_timestamp_ms, (kReceivedMs - 1000 - 3600'000));
}

TEST(SentryMapping, LevelToSeverity) {
  const std::pair<json, std::string> cases[] = {
      {"fatal", "critical"}, {"error", "error"},  {"warning", "warning"}, {"warn", "warning"},
      {"info", "info"},      {"log", "info"},     {"debug", "debug"},     {"nonsense", "error"},
      {nullptr, "error"},    {7, "error"},
  };
  for (const auto& [level, severity] : cases) {
    json ev = {{"message", "m"}};
    if (!level.is_null()) ev["level"] = level;
    EXPECT_EQ(core::to_string(mapped(ev).severity), severity) << level.dump();
  }
}

TEST(SentryMapping, MessageFromTheLastException) {
  const core::Event e = mapped(python_event());
  EXPECT_EQ(e.message, "ZeroDivisionError: division by zero");
  json type_only = {{"exception", {{"values", {{{"type", "Timeout"}}}}}}};
  EXPECT_EQ(mapped(type_only).message, "Timeout");
  json value_only = {{"exception", {{"values", {{{"value", "it broke"}}}}}}};
  EXPECT_EQ(mapped(value_only).message, "it broke");
  json bare_list = {{"exception", {{{"type", "E"}, {"value", "v"}}}}};  // the older form: a bare list
  EXPECT_EQ(mapped(bare_list).message, "E: v");
  json empty_exception = {{"exception", {{"values", {json::object()}}}}, {"logentry", {{"formatted", "logged"}}}};
  EXPECT_EQ(mapped(empty_exception).message, "logged") << "an exception that says nothing: the log message";
  EXPECT_EQ(mapped(empty_exception).detail, "");
}

TEST(SentryMapping, MessageFromTheLogEntry) {
  EXPECT_EQ(mapped({{"logentry", {{"formatted", "Payment 42 failed"}, {"message", "Payment %s failed"}}}}).message,
            "Payment 42 failed");
  EXPECT_EQ(mapped({{"logentry", {{"message", "Payment %s failed after %d tries (%%)"}, {"params", {"42", 3}}}}}).message,
            "Payment 42 failed after 3 tries (%)");
  EXPECT_EQ(mapped({{"logentry", {{"message", "%(order)s: %(why)r"}, {"params", {{"order", "A-1"}, {"why", "late"}}}}}})
                .message,
            "A-1: late");
  EXPECT_EQ(mapped({{"logentry", {{"message", "%s and %s"}, {"params", {"one"}}}}}).message, "one and %s");
  EXPECT_EQ(mapped({{"message", "plain message"}}).message, "plain message");
  EXPECT_EQ(mapped({{"message", {{"formatted", "old form"}}}}).message, "old form");
  EXPECT_EQ(mapped({{"transaction", "GET /x"}}).message, "GET /x") << "nothing else: the transaction";
  EXPECT_EQ(mapped(json::object()).message, "Sentry event without a message");
  // With an exception, the log message leads the detail.
  json logged = python_event();
  logged["logentry"] = {{"message", "Embedding of user %s failed"}, {"params", {"48213"}}};
  const core::Event e = mapped(logged);
  EXPECT_EQ(e.message, "ZeroDivisionError: division by zero");
  EXPECT_EQ(e.detail.substr(0, e.detail.find('\n')), "Embedding of user 48213 failed");
  EXPECT_EQ(field(e, "sentry.message_template"), "Embedding of user %s failed");
}

TEST(SentryMapping, ExceptionTypeQualifiedByItsModule) {
  EXPECT_EQ(mapped(python_event()).exception.type, "ZeroDivisionError") << "Python's builtins stay short";
  const auto type = [](json x) { return mapped({{"exception", {{"values", {x}}}}}).exception.type; };
  EXPECT_EQ(type({{"type", "PaymentError"}, {"module", "app.errors"}}), "app.errors.PaymentError");
  EXPECT_EQ(type({{"type", "IllegalStateException"}, {"module", "java.lang"}}), "java.lang.IllegalStateException");
  EXPECT_EQ(type({{"type", "TypeError"}}), "TypeError");
  EXPECT_EQ(type({{"type", "a.b.C"}, {"module", "a.b"}}), "a.b.C") << "already qualified";
}

TEST(SentryMapping, ExceptionValueAsItsMessage) {
  EXPECT_EQ(mapped(python_event()).exception.message, "division by zero");
}

TEST(SentryMapping, StackTraceFromTheInnermostInAppFrames) {
  const core::Event e = mapped(python_event());
  EXPECT_EQ(e.exception.stacktrace, "at divide (app/views.py:12)\nat embeddings (app/views.py:31)");
  // No frame says in_app: all of them, innermost first; columns and module-only frames.
  json node = {{"platform", "node"},
               {"exception",
                {{"values",
                  {{{"type", "Error"},
                    {"value", "boom"},
                    {"stacktrace",
                     {{"frames",
                       {{{"function", "processTicksAndRejections"}, {"module", "task_queues"}},
                        {{"function", "handler"}, {"filename", "/srv/app/main.js"}, {"lineno", 10}, {"colno", 5}},
                        {{"filename", "/srv/app/lib.js"}, {"lineno", 3}}}}}}}}}}}};
  EXPECT_EQ(mapped(node).exception.stacktrace,
            "at /srv/app/lib.js:3\nat handler (/srv/app/main.js:10:5)\nat processTicksAndRejections (task_queues)");
  // Java frames: the function qualified by its class.
  json java = {{"platform", "java"},
               {"exception",
                {{"values",
                  {{{"type", "IllegalStateException"},
                    {"stacktrace",
                     {{"frames",
                       {{{"function", "place"}, {"module", "com.example.Orders"}, {"filename", "Orders.java"},
                         {"lineno", 42}, {"in_app", true}}}}}}}}}}}};
  EXPECT_EQ(mapped(java).exception.stacktrace, "at com.example.Orders.place (Orders.java:42)");
  // No exception stack: the event's own, else the crashed thread's.
  json threads = {{"message", "m"},
                  {"threads",
                   {{"values",
                     {{{"id", 1}, {"stacktrace", {{"frames", {{{"function", "idle"}}}}}}},
                      {{"id", 2}, {"crashed", true}, {"stacktrace", {{"frames", {{{"function", "crash"}}}}}}}}}}}};
  EXPECT_EQ(mapped(threads).exception.stacktrace, "at crash");
  json own = {{"message", "m"}, {"stacktrace", {{"frames", {{{"function", "here"}}}}}}};
  EXPECT_EQ(mapped(own).exception.stacktrace, "at here");
  // Frames in installed packages are no app code, whatever in_app says (sentry-python 1.9 does
  // not know Debian's dist-packages; Node's own modules are "node:...").
  json packaged = {{"exception",
                    {{"values",
                      {{{"type", "E"},
                        {"stacktrace",
                         {{"frames",
                           {{{"function", "inner"}, {"abs_path", "/usr/lib/python3/dist-packages/django/core/handlers/exception.py"},
                             {"filename", "django/core/handlers/exception.py"}, {"in_app", true}},
                            {{"function", "tick"}, {"filename", "node:internal/process/task_queues"}, {"in_app", true}},
                            {{"function", "lib"}, {"abs_path", "/srv/app/node_modules/lib/index.js"}, {"in_app", true}},
                            {{"function", "view"}, {"abs_path", "/srv/app/views.py"}, {"filename", "views.py"}, {"lineno", 3},
                             {"in_app", true}}}}}}}}}}}};
  EXPECT_EQ(mapped(packaged).exception.stacktrace, "at view (views.py:3)");
}

TEST(SentryMapping, AtMostFiftyFrames) {
  json frames = json::array();
  for (int i = 0; i < 80; ++i) frames.push_back({{"function", "f" + std::to_string(i)}, {"in_app", true}});
  const core::Event e = mapped({{"exception", {{"values", {{{"type", "Deep"}, {"stacktrace", {{"frames", frames}}}}}}}}});
  EXPECT_EQ(std::count(e.exception.stacktrace.begin(), e.exception.stacktrace.end(), '\n'), 49);
  EXPECT_TRUE(e.exception.stacktrace.starts_with("at f79\n"));
}

TEST(SentryMapping, CausesInTheDetail) {
  EXPECT_EQ(mapped(python_event()).detail, "caused by KeyError: 'model'");
}

TEST(SentryMapping, RequestPathMethodAndRoute) {
  const core::Event e = mapped(python_event());
  EXPECT_EQ(e.request.path, "/v1/users/48213/embeddings");
  EXPECT_EQ(e.request.route, "/v1/users/{id}/embeddings");
  EXPECT_EQ(e.request.method, "POST");
  const auto path = [](const char* url) { return mapped({{"message", "m"}, {"request", {{"url", url}}}}).request.path; };
  EXPECT_EQ(path("https://shop.example.com"), "/");
  EXPECT_EQ(path("/v1/orders/7?x=1#top"), "/v1/orders/7");
  EXPECT_EQ(path("not a url"), "");
  EXPECT_EQ(mapped({{"message", "m"}, {"request", {{"method", "get"}}}}).request.method, "GET");
}

TEST(SentryMapping, QueryAndParamsFromQueryStringAndData) {
  const core::Event e = mapped(python_event());
  EXPECT_EQ(e.request.query, "model=m&password=hunter2");
  EXPECT_EQ(e.request.params,
            (json{{"model", "m"}, {"password", "hunter2"}, {"name", ""}, {"card_no", "4111 1111 1111 1111"}}));
  const auto params = [](json request) { return mapped({{"message", "m"}, {"request", request}}).request; };
  EXPECT_EQ(params({{"url", "http://h/p?a=1&a=2"}}).query, "a=1&a=2") << "the URL's query when no query_string";
  EXPECT_EQ(params({{"url", "http://h/p?a=1&a=2"}}).params, (json{{"a", {"1", "2"}}}));
  EXPECT_EQ(params({{"query_string", {{"tag", "a"}, {"page", 3}}}}).query, "page=3&tag=a") << "an object";
  EXPECT_EQ(params({{"query_string", {{"tag", "a"}}}}).params, (json{{"tag", "a"}}));
  EXPECT_EQ(params({{"query_string", "?x=1"}}).query, "x=1");
  // @sentry/node sends the body as text: JSON or a form is read, anything else kept as data.
  EXPECT_EQ(params({{"data", R"({"name":"","password":"hunter2"})"}}).params, (json{{"name", ""}, {"password", "hunter2"}}));
  EXPECT_EQ(params({{"data", "name=a+b&password=hunter2"}}).params, (json{{"name", "a b"}, {"password", "hunter2"}}));
  EXPECT_EQ(params({{"data", "just some text"}}).params, (json{{"data", "just some text"}}));
  EXPECT_EQ(params({{"data", {1, 2}}}).params, (json{{"data", {1, 2}}}));
  EXPECT_TRUE(params({{"data", ""}}).params.is_null());
}

TEST(SentryMapping, HeadersAndCookies) {
  const core::Event e = mapped(python_event());
  EXPECT_EQ(e.request.headers["Authorization"], "Bearer abc.def");
  EXPECT_EQ(e.request.headers["User-Agent"], "curl/7.88");
  EXPECT_EQ(e.request.headers["Cookie"], "csrftoken=t0ken; sessionid=s3cr3t-session");
  // Relay's normalised form: a list of pairs.
  const core::Event pairs = mapped(
      {{"message", "m"}, {"request", {{"headers", {{"Accept", "*/*"}, {"X-N", 3}}}, {"cookies", "a=1; b=2"}}}});
  EXPECT_EQ(pairs.request.headers, (json{{"Accept", "*/*"}, {"X-N", "3"}, {"Cookie", "a=1; b=2"}}));
  // A Cookie header the SDK sent wins over its cookies.
  const core::Event both =
      mapped({{"message", "m"}, {"request", {{"headers", {{"cookie", "c=3"}}}, {"cookies", {{"a", "1"}}}}}});
  EXPECT_EQ(both.request.headers, (json{{"cookie", "c=3"}}));
}

TEST(SentryMapping, RedactedAsEveryEventIs) {
  core::Event e = mapped(python_event());
  core::Redactor({"card_no"}, {}).redact(e);
  const std::string text = core::to_json(e, true).dump();
  for (const char* secret : {"hunter2", "abc.def", "s3cr3t-session", "t0ken", "4111 1111 1111 1111"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
  }
  EXPECT_EQ(e.request.params["password"], "[redacted]");
  EXPECT_EQ(e.request.headers["Cookie"], "[redacted]");
  EXPECT_EQ(e.request.params["name"], "") << "what is no secret stays";
}

TEST(SentryMapping, ClientIp) {
  EXPECT_EQ(mapped(python_event()).request.client_ip, "10.0.0.7");
}

TEST(SentryMapping, StatusFromTheResponseContext) {
  EXPECT_EQ(mapped(python_event()).status, 0) << "Sentry says nothing of the answer: no status";
  json answered = {{"message", "m"}, {"contexts", {{"response", {{"status_code", 502}}}}}};
  EXPECT_EQ(mapped(answered).status, 502);
  answered["contexts"]["response"]["status_code"] = 42;
  EXPECT_EQ(mapped(answered).status, 0);
}

TEST(SentryMapping, TraceId) {
  EXPECT_EQ(mapped(python_event()).trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(SentryMapping, TagsAndReleaseAsATag) {
  const core::Event e = mapped(python_event());
  EXPECT_EQ(e.tags, (json{{"team", "payments"}, {"release", "payment-api@1.4.2"}}));
  json own_release = python_event();
  own_release["tags"] = json::array({{"release", "tagged"}, {"n", 1}, {"skip", nullptr}});  // pairs
  EXPECT_EQ(mapped(own_release).tags, (json{{"release", "tagged"}, {"n", "1"}}));
}

TEST(SentryMapping, FingerprintWithSentrysVariables) {
  json ev = python_event();
  ev["fingerprint"] = {"{{ default }}", "{{ type }}", "{{ transaction }}", "{{ tags.team }}", "{{ function }}", 42,
                       "{{ unknown }}", "plain"};
  EXPECT_EQ(mapped(ev).fingerprint,
            (std::vector<std::string>{"{{ default }}", "ZeroDivisionError", "/v1/users/{id}/embeddings", "payments",
                                      "divide", "42", "{{ unknown }}", "plain"}));
  // {{ default }} means the route's group_by: alone, the same group as no fingerprint.
  const std::vector<std::string> group_by = {"service", "exception.type", "request.route"};
  ev["fingerprint"] = {"{{default}}"};
  const core::Event with_default = mapped(ev);
  ev.erase("fingerprint");
  EXPECT_EQ(core::fingerprint(with_default, group_by), core::fingerprint(mapped(ev), group_by));
  ev["fingerprint"] = json::array();
  for (int i = 0; i < 20; ++i) ev["fingerprint"].push_back("p" + std::to_string(i));
  EXPECT_EQ(mapped(ev).fingerprint.size(), 16u) << "cut to the 16 parts erralert takes";
}

TEST(SentryMapping, WhatHasNoFieldIsKeptUnderSentry) {
  const core::Event e = mapped(python_event());
  EXPECT_EQ(field(e, "sentry.event_id"), "9ec79c33ec9942ab8353589fcb2e04dc");
  EXPECT_EQ(field(e, "sentry.platform"), "python");
  EXPECT_EQ(field(e, "sentry.transaction"), "/v1/users/{id}/embeddings");
  EXPECT_EQ(field(e, "sentry.release"), "payment-api@1.4.2");
  EXPECT_EQ(field(e, "sentry.sdk"), "sentry.python/1.9.10");
  EXPECT_EQ(field(e, "sentry.level"), "error");
  EXPECT_EQ(field(e, "sentry.mechanism"), "django");
  EXPECT_EQ(field(e, "sentry.handled"), "false");
  EXPECT_EQ(field(e, "sentry.extra.sys.argv"), R"(["manage.py","runserver"])");
  // Not kept: breadcrumbs, modules, contexts beyond trace and response, user.
  const std::string text = core::to_json(e, true).dump();
  for (const char* gone : {"GET /health", "3.2.19", "CPython", "breadcrumbs"}) {
    EXPECT_EQ(text.find(gone), std::string::npos) << gone;
  }
}

TEST(SentryMapping, EventIdNormalised) {
  EXPECT_EQ(normalize_event_id("9EC79C33-EC99-42AB-8353-589FCB2E04DC"), "9ec79c33ec9942ab8353589fcb2e04dc");
  EXPECT_EQ(normalize_event_id("9ec79c33ec9942ab8353589fcb2e04d"), "");
  EXPECT_EQ(normalize_event_id("zzc79c33ec9942ab8353589fcb2e04dc"), "");
  EXPECT_EQ(read_sentry_event(python_event().dump(), context()).event_id, "9ec79c33ec9942ab8353589fcb2e04dc");
  EXPECT_EQ(read_sentry_event(R"({"event_id":"nope","message":"m"})", context()).event_id, "");
}

// --- leniency and refusals -------------------------------------------------------------------

TEST(SentryMapping, WrongTypesAreLeftOut) {
  const json ev = {{"message", "m"},       {"environment", 3},  {"server_name", json::object()}, {"tags", "x"},
                   {"request", "nope"},    {"exception", 7},    {"fingerprint", "one"},          {"contexts", 1},
                   {"release", json::array()}, {"extra", "e"}};
  const core::Event e = mapped(ev);
  EXPECT_EQ(e.message, "m");
  EXPECT_EQ(e.environment, "");
  EXPECT_EQ(e.host, "sidecar-host");
  EXPECT_TRUE(e.tags.is_null());
  EXPECT_TRUE(e.fingerprint.empty());
}

TEST(SentryMapping, AFieldErralertRefusesIsDroppedAndTheEventGoesOn) {
  json ev = python_event();
  ev["request"]["method"] = "NOT A TOKEN";
  ev["tags"]["service"] = std::string(200, 's');
  const core::Event e = mapped(ev);
  EXPECT_EQ(e.request.method, "");
  EXPECT_EQ(e.service, "payment-api") << "an invalid service tag falls back to the project's";
  EXPECT_EQ(e.request.path, "/v1/users/48213/embeddings");
  ASSERT_TRUE(e.extra["sentry"].contains("invalid"));
  EXPECT_EQ(e.extra["sentry"]["invalid"].size(), 2u);
}

TEST(SentryMapping, InvalidUtf8IsRepaired) {
  const core::Event e = mapped_text("{\"message\":\"bad \xff byte\"}");
  EXPECT_EQ(e.message, "bad \xEF\xBF\xBD byte");
}

TEST(SentryMapping, NotAnObjectIsRefused) {
  for (const std::string& text : {std::string(), std::string("[]"), std::string("\"m\""), std::string("{\"message\":"),
                                 "{\"a\":" + std::string(100, '[')}) {
    const SentryEvent r = read_sentry_event(text, context());
    EXPECT_FALSE(r.event) << text;
    EXPECT_FALSE(r.too_large);
    ASSERT_FALSE(r.errors.empty());
  }
}

TEST(SentryMapping, AnItemOverOneMebibyteIsRefusedForSize) {
  const std::string big = json{{"message", std::string(kMaxSentryEventBytes, 'x')}}.dump();
  const SentryEvent r = read_sentry_event(big, context());
  EXPECT_FALSE(r.event);
  EXPECT_TRUE(r.too_large);
  EXPECT_NE(r.errors.front().reason.find("over Sentry's limit"), std::string::npos);
}

TEST(SentryMapping, AnEventOverMaxEventBytesShedsItsOptionalPartsFirst) {
  json ev = python_event();
  ev["extra"]["blob"] = std::string(40'000, 'e');
  ev["request"]["data"] = {{"upload", std::string(60'000, 'd')}};
  ev["exception"]["values"][1]["value"] = std::string(20'000, 'v');  // capped at 8 KiB
  const core::Event e = mapped(ev);
  EXPECT_EQ(e.extra["sentry"]["dropped"], (json{"sentry.extra", "request.params"}));
  EXPECT_TRUE(e.request.params.is_null());
  EXPECT_EQ(e.request.headers["User-Agent"], "curl/7.88") << "headers fit once params are gone";
  EXPECT_LE(e.exception.message.size(), 8u * 1024);
  EXPECT_LE(core::to_json(e, true).dump().size(), 65536u);
  // A limit nothing fits in refuses the event, for its size.
  core::ParseContext tiny = context();
  tiny.max_event_bytes = 64;
  const SentryEvent r = read_sentry_event(python_event().dump(), tiny);
  EXPECT_FALSE(r.event);
  EXPECT_TRUE(r.too_large);
  EXPECT_NE(r.errors.front().reason.find("limits.max_event_bytes"), std::string::npos);
}

}  // namespace
}  // namespace erralert::ingest
