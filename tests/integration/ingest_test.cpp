// The real erralertd, driven over HTTP and both Unix sockets; every answer of CONTRACT.md
// section 2 comes from the running daemon.
#include <gtest/gtest.h>

#include <sstream>

#include <sys/stat.h>

#include <filesystem>
#include <random>

#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/metrics.hpp"

namespace erralert::testing {
namespace {

// Console receivers with a short dedup window, so repeats come back as summaries within the
// test's time; lines are counted by their count= fields (every event counted once).
const std::string kConsole = "receivers:\n  - {name: console, type: console}\ndefaults: {dedup: {window: 100ms}}\n";
const std::string kEvent = R"({"service":"payment-api","message":"open AI 연동 오류 : /embeddings","status":502,)"
                           R"("code":"FEP-SEC-01001","request":{"method":"POST","path":"/v1/users/48213/embeddings"}})";

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

class Ingest : public ::testing::Test {
 protected:
  DaemonProcess d{kConsole};
};

TEST_F(Ingest, OneEventIsAcceptedAndPrinted) {
  auto r = http_post(d.port(), "/v1/events", kEvent);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json(), (nlohmann::json{{"accepted", 1}, {"rejected", nlohmann::json::array()}}));
  ASSERT_TRUE(d.wait_for_stdout_lines(1));
  const auto line = d.stdout_lines().at(0);
  EXPECT_NE(line.find("payment-api"), std::string::npos) << line;
  EXPECT_NE(line.find("route=/v1/users/{id}/embeddings"), std::string::npos) << line;
  EXPECT_NE(line.find("status=502"), std::string::npos) << line;
  EXPECT_NE(line.find("code=FEP-SEC-01001"), std::string::npos) << line;
  EXPECT_NE(line.find("open AI 연동 오류"), std::string::npos) << line;
}

TEST_F(Ingest, PipelinedAndChunkedRequestsInOneWriteAreEachAnswered) {
  auto post = [](const std::string& body, const std::string& extra_headers) {
    return "POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + extra_headers + "\r\n" + body;
  };
  auto length = [](const std::string& body) { return "Content-Length: " + std::to_string(body.size()) + "\r\n"; };
  std::ostringstream chunks;
  chunks << std::hex << kEvent.size() << "\r\n" << kEvent << "\r\n0\r\n\r\n";
  const std::string bytes = post(kEvent, length(kEvent)) + post("", "Transfer-Encoding: chunked\r\n") +
                            chunks.str() + post("{", length("{")) +
                            post(kEvent, length(kEvent) + "Connection: close\r\n");
  auto x = tcp_exchange(d.port(), bytes);
  EXPECT_TRUE(x.closed_by_peer);
  std::size_t accepted = 0;
  for (std::size_t at = 0; (at = x.received.find("HTTP/1.1 202", at)) != std::string::npos; ++at) ++accepted;
  EXPECT_EQ(accepted, 3u) << x.received << "\n---\n" << d.stderr_text();
  EXPECT_NE(x.received.find("HTTP/1.1 400"), std::string::npos) << x.received;
  EXPECT_TRUE(d.wait_for_console_count(3)) << d.console_count();
}

TEST_F(Ingest, MalformedJsonIs400SayingWhere) {
  auto r = http_post(d.port(), "/v1/events", R"({"service": "a", "message": )");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json()["code"], "invalid_json");
  EXPECT_NE(r.json()["message"].get<std::string>().find("byte"), std::string::npos) << r.body;
}

TEST_F(Ingest, TwoMebibyteBodyIs413) {
  const std::string big = "[" + std::string(2 * 1024 * 1024, ' ') + "]";
  auto r = http_post(d.port(), "/v1/events", big);
  ASSERT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.json()["code"], "body_too_large");
  EXPECT_EQ(http_get(d.port(), "/healthz").status, 200);
}

TEST_F(Ingest, ChunkedBodyOverTheLimitIs413) {
  // No Content-Length: the limit must hold while the body streams in.
  std::string chunked = "POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(256 * 1024, ' ');
  for (int i = 0; i < 6; ++i) chunked += "40000\r\n" + chunk + "\r\n";
  chunked += "0\r\n\r\n";
  auto x = tcp_exchange(d.port(), chunked);
  EXPECT_NE(x.received.find("HTTP/1.1 413"), std::string::npos) << x.received.substr(0, 200);
}

TEST_F(Ingest, OversizedEventIs413) {
  const std::string big_message(70 * 1024, 'x');
  auto r = http_post(d.port(), "/v1/events", R"({"service":"a","message":")" + big_message + R"("})");
  ASSERT_EQ(r.status, 413) << r.body.substr(0, 300);
  EXPECT_EQ(r.json()["code"], "event_too_large");
}

TEST_F(Ingest, WrongContentTypeIs415) {
  auto r = http_post(d.port(), "/v1/events", "service=a&message=b", "application/x-www-form-urlencoded");
  ASSERT_EQ(r.status, 415);
  EXPECT_EQ(r.json()["code"], "unsupported_media_type");
}

TEST_F(Ingest, BatchWithOneBadEventAcceptsTheRest) {
  const std::string batch = "[" + kEvent + R"(,{"service":"a","status":999,"message":"x"},)" + kEvent + "]";
  auto r = http_post(d.port(), "/v1/events", batch);
  ASSERT_EQ(r.status, 202) << r.body;
  const auto j = r.json();
  EXPECT_EQ(j["accepted"], 2);
  ASSERT_EQ(j["rejected"].size(), 1u);
  EXPECT_EQ(j["rejected"][0]["index"], 1);
  EXPECT_EQ(j["rejected"][0]["errors"][0]["field"], "status");
  EXPECT_EQ(j["rejected"][0]["errors"][0]["value"], "999");
  EXPECT_TRUE(d.wait_for_console_count(2)) << d.console_count();
}

TEST_F(Ingest, FiveHundredNdjsonLines) {
  std::string body;
  for (int i = 0; i < 500; ++i) {
    body += R"({"service":"batch","message":"line )" + std::to_string(i) + R"("})" + "\n";
  }
  auto r = http_post(d.port(), "/v1/events", body, "application/x-ndjson");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json()["accepted"], 500);
  ASSERT_TRUE(d.wait_for_console_count(500)) << d.console_count();
  EXPECT_EQ(d.console_count(), 500u);
  EXPECT_NE(d.stdout_lines().back().find("line 499"), std::string::npos) << "a summary shows the latest event";
}

TEST_F(Ingest, SeedErrorBodiesGoInUnchanged) {
  // Spring (seed 001), Nest gateway filter (seed 003), DRF standard (seed 004).
  const std::string spring = R"({"message":" Invalid Input Value","status":400,"errors":[)"
                             R"({"field":"name.last","value":"","reason":"must not be empty"},)"
                             R"({"field":"name.first","value":"","reason":"must not be empty"}],"code":"C001"})";
  const std::string nest = R"({"statusCode":400,"timestamp":"2026-11-22T04:49:46.123Z","path":"/auth/login","message":"Invalid Provider"})";
  const std::string drf = R"({"code":"FEP-SEC-01001","message":"증권사 정보 에러","detail":"증권사 인증 정보를 가져오는 과정에서 에러가 발생하였습니다."})";
  for (const auto& body : {spring, nest, drf}) {
    auto r = http_post(d.port(), "/v1/events", body, "application/json", {{"X-Erralert-Service", "gateway"}});
    EXPECT_EQ(r.status, 202) << body << "\n" << r.body;
  }
  ASSERT_TRUE(d.wait_for_stdout_lines(3));
  const auto lines = d.stdout_lines();
  EXPECT_NE(lines[0].find("code=C001"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("status=400"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("route=/auth/login"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("status=400"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("code=FEP-SEC-01001"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("gateway"), std::string::npos) << lines[2];
}

TEST(IngestDefaults, ForwardedBodiesWithoutAServiceTakeTheDefaultAndAreCounted) {
  // The shipped config's defaults.service; seed 000's OpenAI body and a DRF field map as sent.
  DaemonProcess d("receivers:\n  - {name: console, type: console}\ndefaults: {service: unknown}\n");
  const std::string openai = R"({"error":{"message":"Internal server error","type":"auth_subrequest_error",)"
                             R"("param":null,"code":"internal_error"}})";
  const std::string drf = R"({"status":400,"name":["This field may not be blank."]})";
  for (const auto& body : {openai, drf}) {
    auto r = http_post(d.port(), "/v1/events", body);
    EXPECT_EQ(r.status, 202) << body << "\n" << r.body;
  }
  ASSERT_TRUE(d.wait_for_stdout_lines(2));
  const auto lines = d.stdout_lines();
  EXPECT_NE(lines[0].find("ERROR unknown"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("code=internal_error message=\"Internal server error\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("WARNING unknown"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("message=\"name: This field may not be blank.\""), std::string::npos) << lines[1];
  EXPECT_EQ(metric(d.port(), "erralert_events_default_service_total"), 2);
  EXPECT_EQ(http_post(d.port(), "/v1/events", R"({"service":"named","message":"m"})").status, 202);
  EXPECT_EQ(metric(d.port(), "erralert_events_default_service_total"), 2);
}

TEST_F(Ingest, MissingServiceIsNamedInTheAnswer) {
  auto r = http_post(d.port(), "/v1/events", R"({"message":"m"})");
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["errors"][0]["errors"][0]["field"], "service") << r.body;
  EXPECT_EQ(http_post(d.port(), "/v1/events?service=from-query", R"({"message":"m"})").status, 202);
}

TEST_F(Ingest, KeepAliveServesManyRequestsOnOneConnection) {
  std::string two;
  for (int i = 0; i < 2; ++i) {
    two += "POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(kEvent.size()) + "\r\n\r\n" + kEvent;
  }
  two += "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  auto x = tcp_exchange(d.port(), two);
  std::size_t answers = 0;
  for (auto pos = x.received.find("HTTP/1.1 202"); pos != std::string::npos;
       pos = x.received.find("HTTP/1.1 202", pos + 1)) {
    ++answers;
  }
  EXPECT_EQ(answers, 2u) << x.received;
  EXPECT_NE(x.received.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_TRUE(x.closed_by_peer);
}

TEST_F(Ingest, RandomBytesOnEveryTransportLeaveItServing) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    const auto junk = random_bytes(1 + seed * 997 % 5000, seed);
    tcp_exchange(d.port(), junk, std::chrono::milliseconds(500));
    http_post(d.port(), "/v1/events", junk);
    http_post(d.port(), "/v1/events", junk, "application/x-ndjson");
    unix_stream_send(d.stream_socket(), junk);
    unix_dgram_send(d.dgram_socket(), junk);
  }
  ASSERT_TRUE(d.alive());
  EXPECT_EQ(http_get(d.port(), "/healthz").status, 200);
  EXPECT_EQ(http_post(d.port(), "/v1/events", kEvent).status, 202);
  unix_stream_send(d.stream_socket(), kEvent + "\n");
  unix_dgram_send(d.dgram_socket(), kEvent);
  // Every valid event above must arrive, whatever came before it.
  EXPECT_TRUE(d.wait_for_console_count(3)) << d.console_count();
}

TEST_F(Ingest, UnixStreamSkipsABadLineAndCountsIt) {
  unix_stream_send(d.stream_socket(), kEvent + "\n{not json}\n" + R"({"service":"a"})" + "\n" + kEvent + "\n");
  ASSERT_TRUE(d.wait_for_console_count(2));
  const auto metrics = http_get(d.port(), "/metrics").body;
  EXPECT_NE(metrics.find("erralert_events_received_total{transport=\"unix\"} 4"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("erralert_events_rejected_total{reason=\"invalid\"} 2"), std::string::npos) << metrics;
  EXPECT_TRUE(d.wait_for_stderr("unix: event refused"));
}

TEST_F(Ingest, UnixDatagramTakesOneEventEach) {
  for (int i = 0; i < 10; ++i) unix_dgram_send(d.dgram_socket(), kEvent);
  unix_dgram_send(d.dgram_socket(), std::string(70 * 1024, '{'));
  ASSERT_TRUE(d.wait_for_console_count(10)) << d.console_count();
  ASSERT_TRUE(d.wait_for_stderr("over limits.max_event_bytes"));
}

TEST_F(Ingest, SocketFilesHaveTheConfiguredMode) {
  struct stat st {};
  ASSERT_EQ(::stat(d.stream_socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(d.dgram_socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(Ingest, SigtermFinishesQueuedWorkRemovesSocketsAndExitsZero) {
  std::string body;
  for (int i = 0; i < 200; ++i) body += kEvent + "\n";
  ASSERT_EQ(http_post(d.port(), "/v1/events", body, "application/x-ndjson").status, 202);
  EXPECT_EQ(d.terminate(), 0) << d.stderr_text();
  EXPECT_EQ(d.console_count(), 200u) << "the stop sends what the groups counted";
  EXPECT_FALSE(std::filesystem::exists(d.stream_socket()));
  EXPECT_FALSE(std::filesystem::exists(d.dgram_socket()));
}

TEST_F(Ingest, StatusAndMetricsNameReceiversOnly) {
  auto s = http_get(d.port(), "/v1/status");
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(s.json()["receivers"][0]["name"], "console");
  EXPECT_EQ(s.json()["receivers"][0]["state"], "ready");
  EXPECT_EQ(http_get(d.port(), "/readyz").status, 200);
  auto m = http_get(d.port(), "/metrics");
  EXPECT_NE(m.body.find("erralert_build_info{version="), std::string::npos);
}

TEST(IngestLimits, BearerTokenIsRequiredWhenSet) {
  DaemonProcess d(kConsole, "token: \"t0ken\"");
  EXPECT_EQ(http_post(d.port(), "/v1/events", kEvent).status, 401);
  EXPECT_EQ(http_post(d.port(), "/v1/events", kEvent, "application/json", {{"Authorization", "Bearer nope"}}).status, 401);
  EXPECT_EQ(http_post(d.port(), "/v1/events", kEvent, "application/json", {{"Authorization", "Bearer t0ken"}}).status, 202);
}

TEST(IngestLimits, FullQueueAnswers503WithRetryAfter) {
  DaemonProcess d(kConsole, "", "queue_capacity: 2");
  auto r = http_post(d.port(), "/v1/events", "[" + kEvent + "," + kEvent + "," + kEvent + "]");
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_EQ(r.json()["code"], "queue_full");
  EXPECT_EQ(http_post(d.port(), "/v1/events", "[" + kEvent + "," + kEvent + "]").status, 202);
}

TEST(IngestLimits, SlowHeadersAreCutOffAtTheHeaderDeadline) {
  DaemonProcess d(kConsole, "header_timeout: 300ms");
  const auto start = std::chrono::steady_clock::now();
  auto x = tcp_exchange(d.port(), "POST /v1/events HTTP/1.1\r\nHost: localhost\r\n", std::chrono::seconds(10));
  EXPECT_TRUE(x.closed_by_peer);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(http_post(d.port(), "/v1/events", kEvent).status, 202);
}

}  // namespace
}  // namespace erralert::testing
