// The HTTP API answered without sockets: a fake daemon behind net::HttpApi.
#include "erralert/net/http_router.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <boost/beast/http/write.hpp>

namespace erralert::net {
namespace {

class FakeApi : public HttpApi {
 public:
  IngestReply ingest(std::string_view body, core::BodyFormat format, std::string_view hint) override {
    last_body = std::string(body);
    last_format = format;
    last_hint = std::string(hint);
    core::ParseContext ctx;
    ctx.transport_service = last_hint;
    IngestReply r{core::parse_body(body, format, ctx), queue_full};
    return r;
  }
  std::string metrics_text() override { return "erralert_x 1\n"; }
  nlohmann::json status() override { return {{"receivers", nlohmann::json::array()}}; }
  std::vector<std::string> not_ready_reasons() override { return not_ready; }
  ReloadReply reload() override {
    ++reloads;
    return reload_reply;
  }

  std::string last_body, last_hint;
  core::BodyFormat last_format = core::BodyFormat::json;
  bool queue_full = false;
  std::vector<std::string> not_ready;
  int reloads = 0;
  ReloadReply reload_reply;
};

Request post(std::string target, std::string body, std::string type = "application/json") {
  Request req{http::verb::post, target, 11};
  if (!type.empty()) req.set(http::field::content_type, type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

nlohmann::json body_of(const Response& res) { return nlohmann::json::parse(res.body()); }

TEST(HttpRouter, AcceptsOneEventWith202) {
  FakeApi api;
  auto res = handle_request(post("/v1/events", R"({"service":"a","message":"m"})"), api, {});
  EXPECT_EQ(res.result(), http::status::accepted);
  EXPECT_EQ(body_of(res), (nlohmann::json{{"accepted", 1}, {"rejected", nlohmann::json::array()}}));
}

TEST(HttpRouter, ListsRejectedIndexesOfABatch) {
  FakeApi api;
  auto res = handle_request(
      post("/v1/events", R"([{"service":"a","message":"m"},{"service":"a"},{"service":"a","message":"n"}])"),
      api, {});
  ASSERT_EQ(res.result(), http::status::accepted);
  auto j = body_of(res);
  EXPECT_EQ(j["accepted"], 2);
  ASSERT_EQ(j["rejected"].size(), 1u);
  EXPECT_EQ(j["rejected"][0]["index"], 1);
  EXPECT_EQ(j["rejected"][0]["errors"][0]["field"], "message");
}

TEST(HttpRouter, MalformedJsonIs400SayingWhere) {
  FakeApi api;
  auto res = handle_request(post("/v1/events", R"({"service":"a",)"), api, {});
  EXPECT_EQ(res.result(), http::status::bad_request);
  auto j = body_of(res);
  EXPECT_EQ(j["code"], "invalid_json");
  EXPECT_NE(j["message"].get<std::string>().find("byte"), std::string::npos);
  EXPECT_TRUE(j["errors"].is_array());
}

TEST(HttpRouter, NothingValidIs400WithEveryError) {
  FakeApi api;
  auto res = handle_request(post("/v1/events", R"([{"message":"m"},{"service":"a"}])"), api, {});
  EXPECT_EQ(res.result(), http::status::bad_request);
  auto j = body_of(res);
  EXPECT_EQ(j["code"], "invalid_event");
  EXPECT_EQ(j["errors"].size(), 2u);
}

TEST(HttpRouter, NdjsonByContentType) {
  FakeApi api;
  auto res = handle_request(post("/v1/events", "{\"service\":\"a\",\"message\":\"m\"}\n{\"service\":\"a\",\"message\":\"n\"}\n",
                                 "application/x-ndjson"),
                            api, {});
  EXPECT_EQ(res.result(), http::status::accepted);
  EXPECT_EQ(api.last_format, core::BodyFormat::ndjson);
  EXPECT_EQ(body_of(res)["accepted"], 2);
}

TEST(HttpRouter, OtherContentTypeIs415) {
  FakeApi api;
  auto res = handle_request(post("/v1/events", "service=a", "application/x-www-form-urlencoded"), api, {});
  EXPECT_EQ(res.result(), http::status::unsupported_media_type);
  EXPECT_EQ(body_of(res)["code"], "unsupported_media_type");
  EXPECT_TRUE(api.last_body.empty()) << "a refused body never reaches the pipeline";
}

TEST(HttpRouter, JsonWithCharsetIsJson) {
  FakeApi api;
  auto res = handle_request(post("/v1/events", R"({"service":"a","message":"m"})",
                                 "Application/JSON; charset=utf-8"),
                            api, {});
  EXPECT_EQ(res.result(), http::status::accepted);
}

TEST(HttpRouter, TokenIsRequiredWhenConfigured) {
  FakeApi api;
  HttpOptions opts{1024, "s3cret"};
  auto req = post("/v1/events", R"({"service":"a","message":"m"})");
  EXPECT_EQ(handle_request(req, api, opts).result(), http::status::unauthorized);
  req.set(http::field::authorization, "Bearer wrong!");
  EXPECT_EQ(handle_request(req, api, opts).result(), http::status::unauthorized);
  req.set(http::field::authorization, "Bearer s3cre");
  EXPECT_EQ(handle_request(req, api, opts).result(), http::status::unauthorized);
  req.set(http::field::authorization, "Basic s3cret");
  EXPECT_EQ(handle_request(req, api, opts).result(), http::status::unauthorized);
  req.set(http::field::authorization, "Bearer s3cret");
  EXPECT_EQ(handle_request(req, api, opts).result(), http::status::accepted);
}

TEST(HttpRouter, ContentLengthOverTheLimitIs413BeforeTheBody) {
  HttpOptions opts{100, ""};
  Request req{http::verb::post, "/v1/events", 11};
  req.set(http::field::content_type, "application/json");
  req.set(http::field::content_length, "101");
  auto res = precheck(req, opts);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::payload_too_large);
  EXPECT_FALSE(res->keep_alive());
  req.set(http::field::content_length, "100");
  EXPECT_FALSE(precheck(req, opts));
}

TEST(HttpRouter, ServiceFromHeaderThenQuery) {
  FakeApi api;
  auto req = post("/v1/events?service=from-query", R"({"message":"m"})");
  EXPECT_EQ(handle_request(req, api, {}).result(), http::status::accepted);
  EXPECT_EQ(api.last_hint, "from-query");
  req.set("X-Erralert-Service", "from-header");
  handle_request(req, api, {});
  EXPECT_EQ(api.last_hint, "from-header");
}

TEST(HttpRouter, QueueFullIs503WithRetryAfter) {
  FakeApi api;
  api.queue_full = true;
  auto res = handle_request(post("/v1/events", R"({"service":"a","message":"m"})"), api, {});
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res[http::field::retry_after], "1");
  EXPECT_EQ(body_of(res)["code"], "queue_full");
}

TEST(HttpRouter, HealthReadyMetricsStatus) {
  FakeApi api;
  Request get{http::verb::get, "/healthz", 11};
  auto res = handle_request(get, api, {});
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body_of(res), (nlohmann::json{{"status", "ok"}}));

  get.target("/readyz");
  EXPECT_EQ(handle_request(get, api, {}).result(), http::status::ok);
  api.not_ready = {"receiver x: disabled"};
  res = handle_request(get, api, {});
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(body_of(res)["reasons"][0], "receiver x: disabled");

  get.target("/metrics");
  res = handle_request(get, api, {});
  EXPECT_EQ(res.body(), "erralert_x 1\n");
  EXPECT_NE(std::string(res[http::field::content_type]).find("text/plain"), std::string::npos);

  get.target("/v1/status");
  EXPECT_TRUE(body_of(handle_request(get, api, {})).contains("receivers"));
}

TEST(HttpRouter, HeadIsTheGetHeaderWithoutABody) {
  // Health checkers send HEAD; a body after the header would be read as the next answer.
  FakeApi api;
  for (const char* target : {"/healthz", "/readyz", "/metrics", "/v1/status", "/nope", "/v1/events"}) {
    SCOPED_TRACE(target);
    const Response got = handle_request(Request{http::verb::get, target, 11}, api, {});
    const Response head = handle_request(Request{http::verb::head, target, 11}, api, {});
    EXPECT_EQ(head.result(), got.result());
    EXPECT_FALSE(got.body().empty());
    EXPECT_EQ(head.body(), "");
    EXPECT_EQ(head[http::field::content_length], std::to_string(got.body().size()));
    EXPECT_EQ(head[http::field::content_type], got[http::field::content_type]);
  }
}

TEST(HttpRouter, ReloadIsAPostThatAnswersHowItWent) {
  FakeApi api;
  auto res = handle_request(post("/-/reload", "", ""), api, {});
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body_of(res), (nlohmann::json{{"status", "reloaded"}}));
  EXPECT_EQ(api.reloads, 1);

  config::Problem p;
  p.file = "/etc/erralert/erralert.yaml";
  p.line = 12;
  p.column = 7;
  p.path = "receivers[0].typ";
  p.reason = "unknown key 'typ'; did you mean 'type'?";
  api.reload_reply.problems = {p};
  res = handle_request(post("/-/reload", "", ""), api, {});
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  const auto j = body_of(res);
  EXPECT_EQ(j["code"], "reload_failed");
  EXPECT_EQ(j["errors"], (nlohmann::json::parse(R"([{"field":"receivers[0].typ","value":"",
      "reason":"unknown key 'typ'; did you mean 'type'?","at":"/etc/erralert/erralert.yaml:12:7"}])")));

  Request get{http::verb::get, "/-/reload", 11};
  res = handle_request(get, api, {});
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "POST");
  EXPECT_EQ(api.reloads, 2);
}

TEST(HttpRouter, ReloadTakesTheTokenWhenOneIsSet) {
  FakeApi api;
  HttpOptions opts;
  opts.token = "s3cret";
  auto res = handle_request(post("/-/reload", "", ""), api, opts);
  EXPECT_EQ(res.result(), http::status::unauthorized);
  EXPECT_EQ(api.reloads, 0);
  auto req = post("/-/reload", "", "");
  req.set(http::field::authorization, "Bearer s3cret");
  res = handle_request(req, api, opts);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(api.reloads, 1);
}

TEST(HttpRouter, UnknownPathIs404AndWrongMethodIs405) {
  FakeApi api;
  Request get{http::verb::get, "/nope", 11};
  EXPECT_EQ(handle_request(get, api, {}).result(), http::status::not_found);
  get.target("/v1/events");
  auto res = handle_request(get, api, {});
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "POST");
}

TEST(HttpRouter, WireFormIsWhatBeastWrites) {
  // Every kind of answer, HTTP/1.1 and 1.0, keep-alive or not: byte for byte Beast's serializer.
  FakeApi api;
  std::vector<Response> answers = {
      handle_request(post("/v1/events", R"({"service":"a","message":"m"})"), api, {}),
      handle_request(post("/v1/events", "{"), api, {}),
      error_response(http::status::service_unavailable, "queue_full", "full", 10, true),
      error_response(http::status::payload_too_large, "body_too_large", "big", 11, false),
  };
  answers[2].set(http::field::retry_after, "1");
  for (const auto& res : answers) {
    std::ostringstream beast_form;
    beast_form << res;
    EXPECT_EQ(to_wire(res), beast_form.str());
  }
}

TEST(HttpRouter, AnswerFieldsAreWhatBeastsHelpersSet) {
  // Answers insert their fields directly; they must equal set() + keep_alive() + prepare_payload().
  for (const unsigned version : {10u, 11u}) {
    for (const bool keep : {true, false}) {
      const Response res = error_response(http::status::bad_request, "c", "m", version, keep);
      Response expected{http::status::bad_request, version};
      expected.set(http::field::content_type, "application/json");
      expected.set(http::field::cache_control, "no-store");
      expected.keep_alive(keep);
      expected.body() = res.body();
      expected.prepare_payload();
      std::ostringstream got, want;
      got << res;
      want << expected;
      EXPECT_EQ(got.str(), want.str()) << "HTTP/1." << version % 10 << (keep ? " keep-alive" : " close");
      EXPECT_EQ(res.keep_alive(), keep);
    }
  }
}

TEST(HttpRouter, HeaderFieldsAreMatchedWithoutRegardToCase) {
  FakeApi api;
  Request req = post("/v1/events", "{\"service\":\"a\",\"message\":\"m\"}\n", "");
  req.set("content-type", " Application/X-NDJSON ; charset=utf-8");
  req.set("x-erralert-service", "lower-case");
  EXPECT_EQ(handle_request(req, api, {}).result(), http::status::accepted);
  EXPECT_EQ(api.last_format, core::BodyFormat::ndjson);
  EXPECT_EQ(api.last_hint, "lower-case");

  HttpOptions opts;
  opts.token = "s3cret";
  req.set(http::field::authorization, "BEARER s3cret");
  EXPECT_EQ(handle_request(req, api, opts).result(), http::status::accepted);
}

TEST(HttpRouter, FirstOfRepeatedFieldsCounts) {
  FakeApi api;
  Request req = post("/v1/events", R"({"service":"a","message":"m"})", "");
  req.insert(http::field::content_type, "application/json");
  req.insert(http::field::content_type, "text/plain");
  EXPECT_EQ(handle_request(req, api, {}).result(), http::status::accepted);
  req.erase(http::field::content_type);
  req.insert(http::field::content_type, "text/plain");
  req.insert(http::field::content_type, "application/json");
  EXPECT_EQ(handle_request(req, api, {}).result(), http::status::unsupported_media_type);
}

}  // namespace
}  // namespace erralert::net
