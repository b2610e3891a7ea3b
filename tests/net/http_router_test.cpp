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
    IngestReply r{core::parse_body(body, format, ctx), queue_full, unavailable, ticket};
    return r;
  }
  SentryReply ingest_sentry(const ingest::SentryPost& post) override {
    ++sentry_posts;
    last_sentry_auth = std::string(post.auth);
    last_sentry_encoding = std::string(post.content_encoding);
    core::ParseContext ctx;
    ctx.default_service = "unknown";
    SentryReply r{ingest::read_sentry_post(post, sentry_projects, ctx), queue_full, unavailable, ticket};
    if (r.read.event_id.empty()) r.read.event_id = "00000000000000000000000000000000";
    return r;
  }
  boost::asio::awaitable<bool> durable(std::uint64_t) override { co_return true; }
  std::string metrics_text() override { return "erralert_x 1\n"; }
  nlohmann::json status() override { return {{"receivers", nlohmann::json::array()}}; }
  std::vector<std::string> not_ready_reasons() override { return not_ready; }
  ReloadReply reload() override {
    ++reloads;
    return reload_reply;
  }
  nlohmann::json list_silences() override { return {{"silences", nlohmann::json::array({{{"id", "s1"}}})}}; }
  SilenceAddReply add_silence(const nlohmann::json& body) override {
    silence_bodies.push_back(body);
    return add_reply;
  }
  SilenceExpireReply expire_silence(std::string_view id) override {
    expired_ids.emplace_back(id);
    return expire_reply;
  }

  std::string last_body, last_hint;
  core::BodyFormat last_format = core::BodyFormat::json;
  int sentry_posts = 0;
  std::string last_sentry_auth, last_sentry_encoding;
  std::vector<config::SentryProject> sentry_projects{{1, "k3y", "payment-api"}};
  bool queue_full = false;
  std::string unavailable;
  std::uint64_t ticket = 0;
  std::vector<std::string> not_ready;
  int reloads = 0;
  ReloadReply reload_reply;
  std::vector<nlohmann::json> silence_bodies;
  SilenceAddReply add_reply{"0123456789abcdef", {}, ""};
  std::vector<std::string> expired_ids;
  SilenceExpireReply expire_reply{SilenceExpireReply::Outcome::expired, ""};
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
  for (const char* target : {"/healthz", "/readyz", "/metrics", "/v1/status", "/nope", "/v1/events", "/v1/silences"}) {
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

Request del(std::string target) { return Request{http::verb::delete_, target, 11}; }

TEST(HttpRouter, SilencesAreListedAddedAndExpired) {
  FakeApi api;
  auto res = handle_request(Request{http::verb::get, "/v1/silences", 11}, api, {});
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body_of(res)["silences"][0]["id"], "s1");

  const std::string body = R"({"match":{"service":"batch"},"for":"2h","comment":"migration"})";
  res = handle_request(post("/v1/silences", body), api, {});
  EXPECT_EQ(res.result(), http::status::created);
  EXPECT_EQ(body_of(res), (nlohmann::json{{"id", "0123456789abcdef"}}));
  ASSERT_EQ(api.silence_bodies.size(), 1u);
  EXPECT_EQ(api.silence_bodies[0], nlohmann::json::parse(body));

  res = handle_request(del("/v1/silences/0123456789abcdef"), api, {});
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body_of(res)["id"], "0123456789abcdef");
  EXPECT_EQ(api.expired_ids, std::vector<std::string>{"0123456789abcdef"});
}

TEST(HttpRouter, AnInvalidSilenceIs400WithItsErrors) {
  FakeApi api;
  auto res = handle_request(post("/v1/silences", R"({"match":)"), api, {});
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(body_of(res)["code"], "invalid_json");
  EXPECT_TRUE(api.silence_bodies.empty()) << "what does not parse never reaches the daemon";

  api.add_reply = {"", {{"until", "tomorrow", "expected an RFC 3339 time like 2026-12-01T00:00:00Z"}}, ""};
  res = handle_request(post("/v1/silences", R"({"match":{"service":"a"},"until":"tomorrow"})"), api, {});
  EXPECT_EQ(res.result(), http::status::bad_request);
  const auto j = body_of(res);
  EXPECT_EQ(j["code"], "invalid_silence");
  EXPECT_EQ(j["errors"], nlohmann::json::parse(R"([{"field":"until","value":"tomorrow",
      "reason":"expected an RFC 3339 time like 2026-12-01T00:00:00Z"}])"));

  api.add_reply = {"", {}, "No space left on device"};
  res = handle_request(post("/v1/silences", R"({"match":{"service":"a"},"for":"1h"})"), api, {});
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_EQ(body_of(res)["code"], "not_saved");
  EXPECT_NE(body_of(res)["message"].get<std::string>().find("No space left on device"), std::string::npos);
}

TEST(HttpRouter, ExpiringASilenceSaysWhyNot) {
  FakeApi api;
  using Outcome = SilenceExpireReply::Outcome;
  const std::vector<std::pair<Outcome, http::status>> cases = {
      {Outcome::unknown, http::status::not_found},
      {Outcome::read_only, http::status::conflict},
      {Outcome::failed, http::status::internal_server_error},
  };
  for (const auto& [outcome, status] : cases) {
    api.expire_reply = {outcome, "disk gone"};
    const auto res = handle_request(del("/v1/silences/config-1"), api, {});
    EXPECT_EQ(res.result(), status);
    EXPECT_TRUE(body_of(res)["errors"].is_array()) << "the error shape";
  }
  EXPECT_EQ(api.expired_ids.back(), "config-1");
}

TEST(HttpRouter, ChangingSilencesTakesTheTokenListingDoesNot) {
  FakeApi api;
  HttpOptions opts;
  opts.token = "s3cret";
  auto add = post("/v1/silences", R"({"match":{"service":"a"},"for":"1h"})");
  auto expire = del("/v1/silences/0123456789abcdef");
  EXPECT_EQ(handle_request(add, api, opts).result(), http::status::unauthorized);
  EXPECT_EQ(handle_request(expire, api, opts).result(), http::status::unauthorized);
  EXPECT_TRUE(precheck(expire, opts)) << "refused before a body is read";
  EXPECT_TRUE(api.silence_bodies.empty());
  EXPECT_TRUE(api.expired_ids.empty());
  EXPECT_EQ(handle_request(Request{http::verb::get, "/v1/silences", 11}, api, opts).result(), http::status::ok);

  add.set(http::field::authorization, "Bearer s3cret");
  expire.set(http::field::authorization, "Bearer s3cret");
  EXPECT_EQ(handle_request(add, api, opts).result(), http::status::created);
  EXPECT_EQ(handle_request(expire, api, opts).result(), http::status::ok);
}

TEST(HttpRouter, SilencesTakeJsonAndTheirMethods) {
  FakeApi api;
  for (const char* type : {"text/plain", "application/x-ndjson", "application/x-www-form-urlencoded"}) {
    SCOPED_TRACE(type);
    auto res = handle_request(post("/v1/silences", R"({"match":{"service":"a"},"for":"1h"})", type), api, {});
    EXPECT_EQ(res.result(), http::status::unsupported_media_type);
  }
  EXPECT_TRUE(api.silence_bodies.empty());
  EXPECT_EQ(handle_request(post("/v1/silences", R"({"match":{"service":"a"},"for":"1h"})",
                                "application/json; charset=utf-8"),
                           api, {})
                .result(),
            http::status::created);

  auto res = handle_request(Request{http::verb::put, "/v1/silences", 11}, api, {});
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "GET, POST");
  res = handle_request(del("/v1/silences"), api, {});
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  res = handle_request(Request{http::verb::get, "/v1/silences/abc", 11}, api, {});
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "DELETE");
  EXPECT_TRUE(api.expired_ids.empty());
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

TEST(HttpRouter, EventsAreRefusedWith503WhileTheStoreCannotCommit) {
  FakeApi api;
  api.unavailable = "the state store cannot commit (disk I/O error)";
  const Response res = handle_request(post("/v1/events", R"({"service":"a","message":"m"})"), api, {});
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(body_of(res)["code"], "storage_unavailable");
  EXPECT_NE(body_of(res)["message"].get<std::string>().find("disk I/O error"), std::string::npos);
  EXPECT_EQ(res[http::field::retry_after], "5");
}

TEST(HttpRouter, AnAcceptedBodyHandsOnItsDurableTicketAndARefusedOneDoesNot) {
  FakeApi api;
  api.ticket = 42;
  std::uint64_t ticket = 0;
  EXPECT_EQ(answer(post("/v1/events", R"({"service":"a","message":"m"})"), api, &ticket).result(), http::status::accepted);
  EXPECT_EQ(ticket, 42u);
  ticket = 0;
  EXPECT_EQ(answer(post("/v1/events", "{}"), api, &ticket).result(), http::status::bad_request);
  EXPECT_EQ(ticket, 0u);
}

TEST(HttpRouter, AMissingContentTypeIs415) {
  // A web page's fetch() with no body type, or a form's text/plain, is not taken for JSON.
  FakeApi api;
  for (const char* target : {"/v1/events", "/v1/silences"}) {
    const auto res = handle_request(post(target, R"({"service":"a","message":"m"})", ""), api, {});
    EXPECT_EQ(res.result(), http::status::unsupported_media_type) << target;
    EXPECT_FALSE(res.keep_alive());
  }
  EXPECT_EQ(handle_request(post("/v1/events", R"({"service":"a","message":"m"})", "text/plain"), api, {}).result(),
            http::status::unsupported_media_type);
  EXPECT_EQ(api.last_body, "");
}

TEST(HttpRouter, FramingTwoParsersCouldReadDifferentlyIs400AndCloses) {
  // RFC 9112 sections 6.1 and 6.3: request smuggling.
  const struct {
    const char* te;
    const char* cl;
  } cases[] = {
      {"gzip", nullptr},     {"xchunked", nullptr},  {"identity", nullptr}, {"chunked, gzip", nullptr},
      {"gzip, chunked", nullptr}, {"chunked, chunked", nullptr}, {"", nullptr},
      {"chunked", "10"},     {nullptr, "38, 38"},    {nullptr, "+38"},      {nullptr, "0x26"},
  };
  for (const auto& c : cases) {
    Request req{http::verb::post, "/v1/events", 11};
    req.set(http::field::content_type, "application/json");
    if (c.te) req.set(http::field::transfer_encoding, c.te);
    if (c.cl) req.set(http::field::content_length, c.cl);
    const auto res = precheck(req, {});
    ASSERT_TRUE(res) << (c.te ? c.te : "-") << " / " << (c.cl ? c.cl : "-");
    EXPECT_EQ(res->result(), http::status::bad_request) << (c.te ? c.te : "-") << " / " << (c.cl ? c.cl : "-");
    EXPECT_FALSE(res->keep_alive());
  }
  Request two{http::verb::post, "/v1/events", 11};
  two.set(http::field::content_type, "application/json");
  two.insert(http::field::content_length, "38");
  two.insert(http::field::content_length, "38");
  ASSERT_TRUE(precheck(two, {}));
  EXPECT_EQ(precheck(two, {})->result(), http::status::bad_request);
  // What is fine stays fine.
  Request chunked{http::verb::post, "/v1/events", 11};
  chunked.set(http::field::content_type, "application/json");
  chunked.set(http::field::transfer_encoding, "Chunked");
  EXPECT_FALSE(precheck(chunked, {}));
  Request http10{http::verb::post, "/v1/events", 10};
  http10.set(http::field::content_type, "application/json");
  http10.set(http::field::transfer_encoding, "chunked");
  EXPECT_TRUE(precheck(http10, {}));
}

TEST(HttpRouter, AForeignOriginIsRefusedOnEveryEndpoint) {
  FakeApi api;
  HttpOptions opts;
  opts.allowed_origins = {"https://ops.example.com"};
  for (const char* target : {"/-/reload", "/v1/events", "/v1/silences"}) {
    auto req = post(target, R"({"service":"a","message":"m"})");
    req.set(http::field::origin, "http://evil.example");
    const auto res = handle_request(req, api, opts);
    EXPECT_EQ(res.result(), http::status::forbidden) << target;
    EXPECT_EQ(nlohmann::json::parse(res.body())["code"], "origin_not_allowed");
    req.set(http::field::origin, "null");  // a sandboxed frame or a file:// page
    EXPECT_EQ(handle_request(req, api, opts).result(), http::status::forbidden) << target;
  }
  EXPECT_EQ(api.reloads, 0);
  Request get{http::verb::get, "/v1/status", 11};
  get.set(http::field::origin, "http://evil.example");
  EXPECT_EQ(handle_request(get, api, opts).result(), http::status::forbidden);
  // A listed origin (compared without regard to case) passes; so does a request with none.
  auto listed = post("/-/reload", "");
  listed.set(http::field::origin, "HTTPS://ops.example.com");
  EXPECT_EQ(handle_request(listed, api, opts).result(), http::status::ok);
  EXPECT_EQ(handle_request(post("/-/reload", ""), api, {}).result(), http::status::ok);
  EXPECT_EQ(api.reloads, 2);
  // With no allowed_origins at all, any Origin is foreign.
  EXPECT_EQ(handle_request(listed, api, {}).result(), http::status::forbidden);
}

TEST(HttpRouter, AHostThatIsNotThisDaemonIsRefused) {
  // DNS rebinding: evil.example resolved to 127.0.0.1 still says Host: evil.example.
  FakeApi api;
  HttpOptions opts;
  opts.allowed_hosts = {"erralert.internal"};
  const struct {
    const char* host;
    bool ok;
  } cases[] = {
      {"127.0.0.1:9780", true},      {"127.0.0.1", true},         {"[::1]:9780", true},
      {"localhost:9780", true},      {"LOCALHOST", true},         {"erralert.internal:9780", true},
      {"Erralert.Internal", true},   {"10.0.0.5:9780", true},     {"evil.example:9780", false},
      {"evil.example", false},       {"localhost.evil.example", false}, {"127.0.0.1.nip.io", false},
      {"[::1", false},               {"127.0.0.1:x", false},      {"erralert.internal.evil", false},
  };
  for (const auto& c : cases) {
    Request req{http::verb::get, "/v1/status", 11};
    req.set(http::field::host, c.host);
    const auto res = handle_request(req, api, opts);
    EXPECT_EQ(res.result() == http::status::ok, c.ok) << c.host << ": " << res.result_int();
    if (!c.ok) {
      EXPECT_EQ(nlohmann::json::parse(res.body())["code"], "host_not_allowed") << c.host;
    }
  }
  auto reload = post("/-/reload", "");
  reload.set(http::field::host, "evil.example:9780");
  EXPECT_EQ(handle_request(reload, api, opts).result(), http::status::forbidden);
  EXPECT_EQ(api.reloads, 0);
}

TEST(HttpRouter, SentryEndpointsTakeTheProjectKeyNotTheTokenAndAnyContentType) {
  FakeApi api;
  const HttpOptions opts{1024, "s3cret"};
  // @sentry/node: no Content-Type, no Authorization, the key in the query.
  Request req = post("/api/1/envelope/?sentry_key=k3y&sentry_version=7",
                     "{}\n{\"type\":\"event\"}\n{\"message\":\"boom\"}\n", "");
  EXPECT_FALSE(precheck(req, opts)) << "neither 401 nor 415 before the body";
  auto res = handle_request(req, api, opts);
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(body_of(res), (nlohmann::json{{"id", "00000000000000000000000000000000"}}));
  EXPECT_EQ(api.sentry_posts, 1);
  // Older SDKs: Authorization with the Sentry scheme.
  req = post("/api/1/store/", R"({"message":"m"})", "application/octet-stream");
  req.set(http::field::authorization, "Sentry sentry_version=7, sentry_key=k3y");
  req.set(http::field::content_encoding, "identity");
  res = handle_request(req, api, opts);
  EXPECT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(api.last_sentry_auth, "Sentry sentry_version=7, sentry_key=k3y");
  EXPECT_EQ(api.last_sentry_encoding, "identity");
  EXPECT_EQ(api.last_body, "") << "nothing reached the /v1/events intake";
}

TEST(HttpRouter, SentryRefusalsAnswerAsSentryDoes) {
  FakeApi api;
  const struct {
    std::string target, auth;
    http::status status;
    std::string code;
  } cases[] = {
      {"/api/1/store/", "", http::status::unauthorized, "missing_key"},
      {"/api/1/store/", "Sentry sentry_key=nope", http::status::forbidden, "wrong_key"},
      {"/api/8/store/", "Sentry sentry_key=k3y", http::status::not_found, "unknown_project"},
  };
  for (const auto& c : cases) {
    Request req = post(c.target, R"({"message":"m"})");
    if (!c.auth.empty()) req.set("X-Sentry-Auth", c.auth);
    const auto res = handle_request(req, api, {});
    EXPECT_EQ(res.result(), c.status) << c.target << " " << c.auth;
    const auto j = body_of(res);
    EXPECT_EQ(j["code"], c.code);
    EXPECT_TRUE(j["detail"].is_string()) << res.body();
    EXPECT_EQ(res.body().find("k3y"), std::string::npos) << "the key is in no answer";
    EXPECT_TRUE(res.keep_alive()) << "the body was read: the connection goes on";
  }
  api.sentry_projects.clear();
  EXPECT_EQ(handle_request(post("/api/1/store/", "{}"), api, {}).result(), http::status::not_found);
  Request get{http::verb::get, "/api/1/envelope/", 11};
  EXPECT_EQ(handle_request(get, api, {}).result(), http::status::method_not_allowed);
}

TEST(HttpRouter, SentryBackPressureIs429WithTheRateLimitHeaders) {
  FakeApi api;
  api.queue_full = true;
  Request req = post("/api/1/store/", R"({"message":"m"})");
  req.set("X-Sentry-Auth", "Sentry sentry_key=k3y");
  auto res = handle_request(req, api, {});
  ASSERT_EQ(res.result(), http::status::too_many_requests);
  EXPECT_EQ(res[http::field::retry_after], "1");
  EXPECT_EQ(res["X-Sentry-Rate-Limits"], "1::organization:queue_full");
  api.queue_full = false;
  api.unavailable = "the state store cannot commit";
  res = handle_request(req, api, {});
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res[http::field::retry_after], "5");
}

TEST(HttpRouter, SentryBodiesMayBeLargerButNotPast20MiB) {
  const HttpOptions opts{64u << 20, ""};
  Request req{http::verb::post, "/api/1/envelope/", 11};
  req.set(http::field::content_length, std::to_string(30u << 20));
  auto early = precheck(req, opts);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->result(), http::status::payload_too_large);
  EXPECT_EQ(body_limit(req, opts), 20u << 20);
  EXPECT_EQ(body_limit(req, HttpOptions{1024, ""}), 1024u) << "a smaller max_body_bytes holds";
  Request events{http::verb::post, "/v1/events", 11};
  EXPECT_EQ(body_limit(events, opts), 64u << 20);
}

}  // namespace
}  // namespace erralert::net
