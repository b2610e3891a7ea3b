// The real erralertd taking what Sentry SDKs send (CONTRACT.md section 9): /store/ and
// /envelope/ bodies as the SDKs write them on the wire (gzip, chunked, no Content-Type), the
// key in each of its places, the refusals, skipped item types, redaction, back-pressure, and a
// storm that groups into one first and summaries whose counts add up to every accepted event.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/compress.hpp"
#include "support/daemon_process.hpp"
#include "support/eventually.hpp"
#include "support/fake_platform.hpp"
#include "support/http_client.hpp"
#include "support/metrics.hpp"
#include "support/notifications.hpp"

namespace erralert::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kKey = "e12d836b15bb49d7bbf99e64295d995b";
const std::string kAuth = std::string("Sentry sentry_version=7, sentry_client=sentry.python/1.9.10, sentry_key=") + kKey;

/// A config with the webhook `hook`, Sentry project 1 (payment-api) and a dedup window.
std::string config(const FakePlatform& hook, const std::string& window = "3s") {
  return "receivers:\n" + receiver_yaml("hooks", "webhook", hook.url()) + "defaults: {dedup: {window: " + window +
         "}}\n"
         "ingest:\n  sentry:\n    projects:\n      - {id: 1, key: \"${SENTRY_KEY}\", service: payment-api}\n"
         "      - {id: 2, key: second-project-key}\n";
}

LaunchOptions with_key() {
  LaunchOptions o;
  o.env = {std::string("SENTRY_KEY=") + kKey};
  return o;
}

/// A Sentry error event as sentry-python writes it: an unhandled exception in a request.
json sentry_event(const std::string& id, const std::string& type = "ZeroDivisionError",
                  const std::string& path = "/v1/users/48213/embeddings") {
  return {{"event_id", id},
          {"timestamp", 1795322985.5},
          {"level", "error"},
          {"platform", "python"},
          {"server_name", "web-3"},
          {"environment", "prod"},
          {"release", "payment-api@1.4.2"},
          {"exception",
           {{"values",
             {{{"type", type},
               {"value", "division by zero"},
               {"stacktrace",
                {{"frames",
                  {{{"function", "get_response"}, {"filename", "django/core/handlers/base.py"}, {"in_app", false}},
                   {{"function", "divide"}, {"filename", "app/views.py"}, {"lineno", 12}, {"in_app", true}}}}}}}}}}},
          {"request",
           {{"url", "http://127.0.0.1:8000" + path},
            {"method", "POST"},
            {"query_string", "tag=a&password=hunter2"},
            {"data", {{"name", ""}, {"card_no", "4111111111111111"}}},
            {"headers", {{"Authorization", "Bearer s3cret-bearer"}, {"User-Agent", "curl/7.88"}}},
            {"cookies", {{"sessionid", "s3cret-session"}}}}},
          {"contexts", {{"trace", {{"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}}}}},
          {"tags", {{"team", "payments"}}}};
}

std::string event_id(int n) {
  std::ostringstream os;
  os << std::hex;
  os.width(32);
  os.fill('0');
  os << n;
  return os.str();
}

/// An envelope of `items` (type, payload), as @sentry/node writes one: no lengths.
std::string envelope(const std::string& id, const std::vector<std::pair<std::string, std::string>>& items,
                     const std::string& dsn = "") {
  json header = {{"event_id", id}, {"sent_at", "2026-11-22T04:49:46.000Z"}};
  if (!dsn.empty()) header["dsn"] = dsn;
  std::string out = header.dump() + "\n";
  for (const auto& [type, payload] : items) out += json{{"type", type}}.dump() + "\n" + payload + "\n";
  return out;
}

std::string chunked(const std::string& body, std::size_t chunk = 1000) {
  std::ostringstream os;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    const std::string part = body.substr(at, chunk);
    os << std::hex << part.size() << "\r\n" << part << "\r\n";
  }
  os << "0\r\n\r\n";
  return os.str();
}

HttpResult store(const DaemonProcess& d, const json& event, const std::string& auth = kAuth) {
  std::map<std::string, std::string> headers{{"Content-Encoding", "gzip"}};
  if (!auth.empty()) headers["X-Sentry-Auth"] = auth;
  return http_post(d.port(), "/api/1/store/", gzip(event.dump()), "application/json", headers);
}

HttpResult post_envelope(const DaemonProcess& d, const std::string& body, const std::string& target = "/api/1/envelope/",
                         const std::map<std::string, std::string>& headers = {{"X-Sentry-Auth", kAuth}}) {
  return http_post(d.port(), target, body, "application/x-sentry-envelope", headers);
}

/// The group events of the webhook's delivered notifications.
std::vector<json> delivered_events(const FakePlatform& hook) {
  std::vector<json> out;
  for (const auto& r : delivered(hook)) {
    for (const auto& g : r.json["groups"]) out.push_back(g["event"]);
  }
  return out;
}

TEST(Sentry, StoreGzipJsonBecomesAnAlertWithItsFieldsMapped) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook), with_key());
  const HttpResult r = store(d, sentry_event(event_id(1)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), (json{{"id", event_id(1)}}));
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == 1; })) << d.stderr_text();
  const json note = delivered(hook).at(0).json;
  EXPECT_EQ(note["kind"], "first");
  const json e = note["groups"][0]["event"];
  EXPECT_EQ(e["service"], "payment-api");
  EXPECT_EQ(e["environment"], "prod");
  EXPECT_EQ(e["host"], "web-3");
  EXPECT_EQ(e["severity"], "error");
  EXPECT_EQ(e["message"], "ZeroDivisionError: division by zero");
  EXPECT_EQ(e["exception"]["type"], "ZeroDivisionError");
  EXPECT_EQ(e["exception"]["stacktrace"], "at divide (app/views.py:12)") << "in-app frames only";
  EXPECT_EQ(e["request"]["method"], "POST");
  EXPECT_EQ(e["request"]["path"], "/v1/users/48213/embeddings");
  EXPECT_EQ(e["request"]["route"], "/v1/users/{id}/embeddings");
  EXPECT_EQ(e["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(e["tags"], (json{{"team", "payments"}, {"release", "payment-api@1.4.2"}}));
  // The SDK's epoch seconds, days before this test runs: shown beside the time of receipt.
  EXPECT_EQ(e["app_timestamp"], "2026-11-22T04:49:45.500Z");
  EXPECT_EQ(metric(d.port(), R"(erralert_events_received_total{transport="sentry"})"), 1);
}

TEST(Sentry, EnvelopeAsSentryNodeSendsItChunkedGzippedWithTheKeyInTheQuery) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook), with_key());
  // @sentry/node: no Content-Type, no X-Sentry-Auth, Transfer-Encoding: chunked, gzip over 32 KiB.
  json big = sentry_event(event_id(2), "TypeError");
  big["extra"] = {{"padding", std::string(40'000, 'p')}};
  const std::string body = gzip(envelope(event_id(2), {{"event", big.dump()}, {"client_report", "{}"}}));
  const std::string request = std::string("POST /api/1/envelope/?sentry_key=") + kKey +
                              "&sentry_version=7&sentry_client=sentry.javascript.node%2F11.12.0 HTTP/1.1\r\n"
                              "Host: 127.0.0.1:" + std::to_string(d.port()) + "\r\n"
                              "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                              chunked(body);
  const TcpExchange x = tcp_exchange(d.port(), request);
  ASSERT_NE(x.received.find("HTTP/1.1 200 OK"), std::string::npos) << x.received << d.stderr_text();
  EXPECT_NE(x.received.find(R"({"id":")" + event_id(2) + R"("})"), std::string::npos) << x.received;
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == 1; })) << d.stderr_text();
  EXPECT_EQ(delivered_events(hook).at(0)["exception"]["type"], "TypeError");
  EXPECT_EQ(metric(d.port(), R"(erralert_sentry_items_skipped_total{type="client_report"})"), 1);
}

TEST(Sentry, TheKeyMayComeInTheEnvelopesDsnAndDeflateBodiesRead) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook), with_key());
  const std::string dsn = std::string("http://") + kKey + "@127.0.0.1:9780/1";
  const HttpResult r = post_envelope(d, deflate(envelope(event_id(3), {{"event", sentry_event(event_id(3)).dump()}}, dsn)),
                                     "/api/1/envelope/", {{"Content-Encoding", "deflate"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == 1; })) << d.stderr_text();
}

TEST(Sentry, MissingWrongKeyAndUnknownProjectAreRefusedAsSentryDoes) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook), with_key());
  const json ev = sentry_event(event_id(4));
  const HttpResult missing = store(d, ev, "");
  EXPECT_EQ(missing.status, 401) << missing.body;
  EXPECT_TRUE(missing.json()["detail"].is_string()) << missing.body;
  const HttpResult missing_env = post_envelope(d, envelope(event_id(4), {{"event", ev.dump()}}), "/api/1/envelope/", {});
  EXPECT_EQ(missing_env.status, 401) << missing_env.body;
  const HttpResult wrong = store(d, ev, "Sentry sentry_version=7, sentry_key=guessed-key");
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_NE(wrong.json()["detail"].get<std::string>().find("project 1"), std::string::npos) << wrong.body;
  const HttpResult other_project = store(d, ev, "Sentry sentry_key=second-project-key");
  EXPECT_EQ(other_project.status, 403) << "project 2's key is not project 1's";
  const HttpResult wrong_dsn = post_envelope(
      d, envelope(event_id(4), {{"event", ev.dump()}}, "http://guessed-key@127.0.0.1/1"), "/api/1/envelope/", {});
  EXPECT_EQ(wrong_dsn.status, 403) << wrong_dsn.body;
  const HttpResult unknown = http_post(d.port(), "/api/9/store/", ev.dump(), "application/json", {{"X-Sentry-Auth", kAuth}});
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_NE(unknown.json()["detail"].get<std::string>().find("no project 9"), std::string::npos) << unknown.body;
  EXPECT_EQ(http_get(d.port(), "/api/1/store/").status, 405);

  // Nothing of it alerted; the refusals are counted; the key is in no answer, log or status.
  EXPECT_EQ(metric(d.port(), R"(erralert_sentry_requests_refused_total{reason="missing_key"})"), 2);
  EXPECT_EQ(metric(d.port(), R"(erralert_sentry_requests_refused_total{reason="wrong_key"})"), 3);
  EXPECT_EQ(metric(d.port(), R"(erralert_sentry_requests_refused_total{reason="unknown_project"})"), 1);
  EXPECT_EQ(metric(d.port(), R"(erralert_events_received_total{transport="sentry"})"), 0);
  const HttpResult status = http_get(d.port(), "/v1/status");
  EXPECT_EQ(status.json()["sentry_projects"], (json{{{"id", 1}, {"service", "payment-api"}}, {{"id", 2}, {"service", ""}}}));
  for (const std::string& text : {missing.body, wrong.body, unknown.body, status.body, http_get(d.port(), "/metrics").body,
                                  d.stderr_text()}) {
    EXPECT_EQ(text.find(kKey), std::string::npos) << text;
    EXPECT_EQ(text.find("second-project-key"), std::string::npos) << text;
  }
  EXPECT_TRUE(d.wait_for_stderr("refused")) << "refusals are logged";
  EXPECT_EQ(hook.request_count(), 0u);
}

TEST(Sentry, ItemsThatAreNoErrorEventAreSkippedWithoutANotification) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook), with_key());
  const std::string attachment = "line one\nline two\n";
  std::string body = json{{"event_id", event_id(5)}}.dump() + "\n" +
                     R"({"type":"session"})" "\n" R"({"sid":"7c1f","status":"ok","errors":0})" "\n" +
                     R"({"type":"sessions"})" "\n" R"({"aggregates":[{"started":"2026-11-22T04:00:00Z","exited":3}]})" "\n" +
                     R"({"type":"client_report"})" "\n" R"({"discarded_events":[]})" "\n" +
                     R"({"type":"transaction"})" "\n" R"({"type":"transaction","transaction":"/v1/x"})" "\n" +
                     R"({"type":"attachment","length":)" + std::to_string(attachment.size()) + "}\n" + attachment + "\n";
  const HttpResult r = post_envelope(d, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), (json{{"id", event_id(5)}}));
  for (const char* type : {"session", "sessions", "client_report", "transaction", "attachment"}) {
    EXPECT_EQ(metric(d.port(), std::string(R"(erralert_sentry_items_skipped_total{type=")") + type + "\"}"), 1) << type;
  }
  // The pipeline takes events in order: once this event's alert is in, nothing came before it.
  ASSERT_EQ(post_envelope(d, envelope(event_id(6), {{"event", sentry_event(event_id(6)).dump()}})).status, 200);
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == 1; })) << d.stderr_text();
  EXPECT_EQ(hook.request_count(), 1u);
  EXPECT_EQ(delivered_events(hook).at(0)["message"], "ZeroDivisionError: division by zero");
  EXPECT_EQ(metric(d.port(), R"(erralert_events_received_total{transport="sentry"})"), 1);
}

TEST(Sentry, RequestBodiesCookiesAndHeadersAreRedacted) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook) + "redact: {keys: [card_no]}\n", with_key());
  ASSERT_EQ(store(d, sentry_event(event_id(7))).status, 200);
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == 1; })) << d.stderr_text();
  const auto req = delivered(hook).at(0);
  for (const char* secret : {"hunter2", "s3cret-bearer", "s3cret-session", "4111111111111111"}) {
    EXPECT_EQ(req.body.find(secret), std::string::npos) << secret << " left the host: " << req.body;
  }
  const json request = req.json["groups"][0]["event"]["request"];
  EXPECT_EQ(request["params"]["password"], "[redacted]");
  EXPECT_EQ(request["params"]["card_no"], "[redacted]");
  EXPECT_EQ(request["params"]["tag"], "a");
  EXPECT_EQ(request["params"]["name"], "");
  EXPECT_EQ(request["headers"]["Cookie"], "[redacted]");
  EXPECT_EQ(request["headers"]["User-Agent"], "curl/7.88");
}

TEST(Sentry, TruncatedEnvelopeAndBombAreRefusedAndTheDaemonGoesOn) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook), with_key());
  const HttpResult truncated = post_envelope(d, "{}\n{\"type\":\"event\",\"length\":9000}\n{\"message\":\"m\"}\n");
  EXPECT_EQ(truncated.status, 400) << truncated.body;
  EXPECT_NE(truncated.json()["detail"].get<std::string>().find("truncated"), std::string::npos) << truncated.body;
  // 24 MiB of spaces gzip to about 24 KiB: far within the body limit, past the 20 MiB bound.
  const std::string bomb = gzip(std::string(24u << 20, ' '));
  ASSERT_LT(bomb.size(), 100'000u);
  const HttpResult big = post_envelope(d, bomb, "/api/1/envelope/", {{"X-Sentry-Auth", kAuth}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(big.status, 413) << big.body;
  const HttpResult corrupt = post_envelope(d, "not gzip", "/api/1/envelope/", {{"X-Sentry-Auth", kAuth}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(corrupt.status, 400) << corrupt.body;
  const HttpResult zstd = post_envelope(d, "x", "/api/1/envelope/", {{"X-Sentry-Auth", kAuth}, {"Content-Encoding", "zstd"}});
  EXPECT_EQ(zstd.status, 415) << zstd.body;
  EXPECT_EQ(metric(d.port(), R"(erralert_events_rejected_total{reason="malformed"})"), 2);
  EXPECT_EQ(metric(d.port(), R"(erralert_events_rejected_total{reason="too_large"})"), 1);
  // Still serving, and still alerting.
  ASSERT_EQ(store(d, sentry_event(event_id(8))).status, 200);
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == 1; })) << d.stderr_text();
}

TEST(Sentry, AFullQueueIs429WithTheHeadersSdksHonour) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook), "", "queue_capacity: 1", "", -1, with_key());
  // Two events never fit in a queue of one: the whole envelope is refused, nothing is queued.
  HttpResult r = post_envelope(d, envelope(event_id(9), {{"event", sentry_event(event_id(9)).dump()},
                                                               {"event", sentry_event(event_id(10)).dump()}}));
  ASSERT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_EQ(r.headers["x-sentry-rate-limits"], "1::organization:queue_full");
  EXPECT_TRUE(r.json()["detail"].is_string());
  EXPECT_EQ(metric(d.port(), R"(erralert_events_rejected_total{reason="queue_full"})"), 2);
  // One event fits.
  ASSERT_EQ(store(d, sentry_event(event_id(11))).status, 200);
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == 1; })) << d.stderr_text();
}

TEST(Sentry, AReloadRotatesTheKey) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook), with_key());
  ASSERT_EQ(store(d, sentry_event(event_id(12))).status, 200);
  d.rewrite_config("receivers:\n" + receiver_yaml("hooks", "webhook", hook.url()) +
                   "ingest: {sentry: {projects: [{id: 1, key: rotated-key, service: payment-api}]}}\n");
  ASSERT_TRUE(d.reload()) << d.stderr_text();
  EXPECT_EQ(store(d, sentry_event(event_id(13))).status, 403) << "the old key is refused";
  EXPECT_EQ(store(d, sentry_event(event_id(14)), "Sentry sentry_key=rotated-key").status, 200);
}

TEST(Sentry, AStormGroupsIntoOneFirstAndSummariesThatCountEveryAcceptedEvent) {
  FakePlatform hook(FakePlatform::Mode::webhook);
  DaemonProcess d(config(hook, "3s"), with_key());
  std::uint64_t accepted = 0;
  // 600 reports of one error from requests to different orders (one route), one per request as
  // the SDKs send them, in store and envelope form; then 20 envelopes of 20 events each; among
  // them 5 distinct errors.
  for (int i = 0; i < 600; ++i) {
    const json ev = sentry_event(event_id(100 + i), "PaymentError", "/v1/orders/" + std::to_string(1000 + i) + "/pay");
    const HttpResult r = i % 2 ? store(d, ev) : post_envelope(d, gzip(envelope(event_id(100 + i), {{"event", ev.dump()}})),
                                                             "/api/1/envelope/",
                                                             {{"X-Sentry-Auth", kAuth}, {"Content-Encoding", "gzip"}});
    ASSERT_EQ(r.status, 200) << r.body;
    ++accepted;
  }
  for (int b = 0; b < 20; ++b) {
    std::vector<std::pair<std::string, std::string>> items;
    for (int i = 0; i < 20; ++i) {
      const int n = 1000 + b * 20 + i;
      const std::string type = (b == 0 && i < 5) ? "DistinctError" + std::to_string(i) : "PaymentError";
      items.emplace_back("event", sentry_event(event_id(n), type, "/v1/orders/" + std::to_string(n) + "/pay").dump());
      items.emplace_back("session", R"({"sid":"s"})");
    }
    ASSERT_EQ(post_envelope(d, envelope(event_id(5000 + b), items)).status, 200);
    accepted += 20;
  }
  ASSERT_EQ(accepted, 1000u);
  EXPECT_EQ(metric(d.port(), R"(erralert_events_received_total{transport="sentry"})"), 1000);
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == accepted; }, 20s)) << delivered_count(hook);
  EXPECT_EQ(d.terminate(), 0);
  EXPECT_EQ(delivered_count(hook), accepted) << "the stop's summaries count nothing twice";

  std::map<std::string, int> firsts;
  std::uint64_t payment_errors = 0;
  std::size_t summaries = 0;
  for (const auto& r : delivered(hook)) {
    for (const auto& g : r.json["groups"]) {
      const std::string type = g["event"]["exception"]["type"];
      if (r.json["kind"] == "first") ++firsts[type];
      if (r.json["kind"] == "summary") ++summaries;
      if (type == "PaymentError") payment_errors += g["count"].get<std::uint64_t>();
    }
  }
  EXPECT_EQ(firsts.size(), 6u);
  for (const auto& [type, n] : firsts) EXPECT_EQ(n, 1) << type << " alerted more than once";
  EXPECT_GE(summaries, 1u);
  EXPECT_EQ(payment_errors, 995u);
}

}  // namespace
}  // namespace erralert::testing
