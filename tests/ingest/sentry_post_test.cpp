// A Sentry SDK's POST, read whole: routes, the key in each of its three places, the verdicts
// and their statuses, compressed bodies, skipped item types, and what is refused.
#include "erralert/ingest/sentry_post.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/compress.hpp"

namespace erralert::ingest {
namespace {

using json = nlohmann::json;
using V = SentryVerdict;

const std::vector<config::SentryProject> kProjects = {{1, "k3y", "payment-api"}, {7, "other-key", ""}};
const std::string kId = "9ec79c33ec9942ab8353589fcb2e04dc";
const std::string kAuth = "Sentry sentry_version=7, sentry_client=sentry.python/1.9.10, sentry_key=k3y";

core::ParseContext context() {
  core::ParseContext ctx;
  ctx.default_service = "unknown";
  ctx.host = "sidecar";
  ctx.now_ms = 1795322986000;
  return ctx;
}

std::string event_json(const std::string& message, const std::string& id = "") {
  json e = {{"message", message}, {"level", "error"}};
  if (!id.empty()) e["event_id"] = id;
  return e.dump();
}

std::string envelope(const std::string& header, const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = header + "\n";
  for (const auto& [type, payload] : items) out += json{{"type", type}}.dump() + "\n" + payload + "\n";
  return out;
}

SentryRead read(SentryEndpoint endpoint, std::string project, std::string_view auth, std::string_view query,
                std::string_view encoding, std::string_view body,
                const std::vector<config::SentryProject>& projects = kProjects) {
  SentryPost post{endpoint, std::move(project), auth, query, encoding, body};
  return read_sentry_post(post, projects, context());
}

TEST(SentryRoute, BothEndpoints) {
  EXPECT_EQ(sentry_route("/api/1/envelope/")->endpoint, SentryEndpoint::envelope);
  EXPECT_EQ(sentry_route("/api/1/envelope/")->project, "1");
  EXPECT_EQ(sentry_route("/api/42/store/")->endpoint, SentryEndpoint::store);
  EXPECT_EQ(sentry_route("/api/42/store")->project, "42") << "the trailing slash may be left out";
  for (const char* other : {"/api/x/store/", "/api//store/", "/api/1/events/", "/api/1/envelope/x", "/v1/events",
                            "/api/1", "/api/123456789012345678901/store/"}) {
    EXPECT_FALSE(sentry_route(other)) << other;
  }
}

TEST(SentryPost, StoreWithTheHeaderKeyGzipped) {
  const std::string body = testing::gzip(event_json("boom", kId));
  const SentryRead r = read(SentryEndpoint::store, "1", kAuth, "", "gzip", body);
  ASSERT_EQ(r.verdict, V::accepted) << r.detail;
  EXPECT_EQ(http_status(r.verdict), 200);
  EXPECT_EQ(r.event_id, kId);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].message, "boom");
  EXPECT_EQ(r.events[0].service, "payment-api") << "the project's service";
}

TEST(SentryPost, TheKeyInEachOfItsPlaces) {
  const std::string env_with_dsn = envelope(json{{"event_id", kId}, {"dsn", "http://k3y@127.0.0.1:9780/1"}}.dump(),
                                            {{"event", event_json("boom")}});
  const std::string env_without = envelope(json{{"event_id", kId}}.dump(), {{"event", event_json("boom")}});
  EXPECT_EQ(read(SentryEndpoint::envelope, "1", kAuth, "", "", env_without).verdict, V::accepted);
  EXPECT_EQ(read(SentryEndpoint::envelope, "1", "", "sentry_version=7&sentry_key=k3y", "", env_without).verdict,
            V::accepted);
  EXPECT_EQ(read(SentryEndpoint::envelope, "1", "", "", "", env_with_dsn).verdict, V::accepted);
  EXPECT_EQ(read(SentryEndpoint::store, "1", "", "sentry_key=k3y", "", event_json("m")).verdict, V::accepted);
  // The header's key decides, whatever the DSN says.
  const std::string wrong_dsn = envelope(json{{"dsn", "http://nope@127.0.0.1:9780/1"}}.dump(), {{"event", event_json("m")}});
  EXPECT_EQ(read(SentryEndpoint::envelope, "1", kAuth, "", "", wrong_dsn).verdict, V::accepted);
}

TEST(SentryPost, MissingKeyIs401) {
  for (auto endpoint : {SentryEndpoint::store, SentryEndpoint::envelope}) {
    const SentryRead r = read(endpoint, "1", "", "", "", envelope("{}", {{"event", event_json("m")}}));
    EXPECT_EQ(r.verdict, V::missing_key);
    EXPECT_EQ(http_status(r.verdict), 401);
    EXPECT_TRUE(r.events.empty());
    EXPECT_NE(r.detail.find("missing authorization"), std::string::npos) << r.detail;
  }
  EXPECT_EQ(read(SentryEndpoint::store, "1", "Sentry sentry_version=7", "", "", event_json("m")).verdict, V::missing_key);
}

TEST(SentryPost, WrongKeyIs403AndNeverSaysTheKey) {
  const struct {
    std::string_view auth, query;
    std::string body;
  } cases[] = {
      {"Sentry sentry_key=guess", "", event_json("m")},
      {"", "sentry_key=guess", event_json("m")},
      {"", "", envelope(json{{"dsn", "http://guess@127.0.0.1:9780/1"}}.dump(), {{"event", event_json("m")}})},
      {"Sentry sentry_key=other-key", "", event_json("m")},  // project 7's key, for project 1
  };
  for (const auto& c : cases) {
    const SentryRead r = read(c.body.starts_with("{\"dsn") ? SentryEndpoint::envelope : SentryEndpoint::store, "1",
                              c.auth, c.query, "", c.body);
    EXPECT_EQ(r.verdict, V::wrong_key) << c.auth << c.query;
    EXPECT_EQ(http_status(r.verdict), 403);
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(r.detail.find("k3y"), std::string::npos) << r.detail;
    EXPECT_EQ(r.detail.find("guess"), std::string::npos) << r.detail;
    EXPECT_NE(r.detail.find("project 1"), std::string::npos) << r.detail;
  }
}

TEST(SentryPost, AWrongKeyIsRefusedBeforeTheBodyIsRead) {
  const SentryRead r = read(SentryEndpoint::store, "1", "Sentry sentry_key=guess", "", "gzip", "not gzip at all");
  EXPECT_EQ(r.verdict, V::wrong_key) << "not malformed: the body was never decompressed";
}

TEST(SentryPost, UnknownProjectAndNoProjectsAre404) {
  const SentryRead unknown = read(SentryEndpoint::store, "5", kAuth, "", "", event_json("m"));
  EXPECT_EQ(unknown.verdict, V::unknown_project);
  EXPECT_EQ(http_status(unknown.verdict), 404);
  EXPECT_NE(unknown.detail.find("no project 5"), std::string::npos) << unknown.detail;
  const SentryRead off = read(SentryEndpoint::store, "1", kAuth, "", "", event_json("m"), {});
  EXPECT_EQ(off.verdict, V::off);
  EXPECT_EQ(http_status(off.verdict), 404);
  EXPECT_EQ(to_string(off.verdict), "not_configured");
}

TEST(SentryPost, EachCompression) {
  const std::string env = envelope(json{{"event_id", kId}}.dump(), {{"event", event_json("boom")}});
  for (const auto& [coding, body] : {std::pair<std::string, std::string>{"gzip", testing::gzip(env)},
                                     {"deflate", testing::deflate(env)},
                                     {"deflate", testing::deflate(env, false)},
                                     {"identity", env},
                                     {"", env}}) {
    const SentryRead r = read(SentryEndpoint::envelope, "1", kAuth, "", coding, body);
    ASSERT_EQ(r.verdict, V::accepted) << coding << ": " << r.detail;
    EXPECT_EQ(r.events.size(), 1u);
  }
  const SentryRead zstd = read(SentryEndpoint::envelope, "1", kAuth, "", "zstd", env);
  EXPECT_EQ(zstd.verdict, V::unsupported_encoding);
  EXPECT_EQ(http_status(zstd.verdict), 415);
  const SentryRead corrupt = read(SentryEndpoint::envelope, "1", kAuth, "", "gzip", env);
  EXPECT_EQ(corrupt.verdict, V::malformed);
  EXPECT_EQ(http_status(corrupt.verdict), 400);
}

TEST(SentryPost, AZipBombIs413) {
  const std::string bomb = testing::gzip(std::string(kMaxSentryBodyBytes + 1, ' '));
  ASSERT_LT(bomb.size(), 100'000u);
  const SentryRead r = read(SentryEndpoint::envelope, "1", kAuth, "", "gzip", bomb);
  EXPECT_EQ(r.verdict, V::too_large);
  EXPECT_EQ(http_status(r.verdict), 413);
}

TEST(SentryPost, ItemsThatAreNoErrorEventAreSkippedAndCounted) {
  const std::string env = envelope(json{{"event_id", kId}}.dump(), {{"session", R"({"sid":"a"})"},
                                                                     {"client_report", "{}"},
                                                                     {"transaction", R"({"type":"transaction"})"},
                                                                     {"attachment", "bytes"},
                                                                     {"session", R"({"sid":"b"})"},
                                                                     {"made_up_type", "{}"}});
  const SentryRead r = read(SentryEndpoint::envelope, "1", kAuth, "", "", env);
  ASSERT_EQ(r.verdict, V::accepted) << r.detail;
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_EQ(r.event_id, kId);
  EXPECT_EQ(r.skipped, (std::map<std::string, std::size_t>{
                           {"attachment", 1}, {"client_report", 1}, {"other", 1}, {"session", 2}, {"transaction", 1}}));
}

TEST(SentryPost, SeveralEventsAndABadOneAmongThem) {
  const std::string env = envelope("{}", {{"event", event_json("first", kId)},
                                          {"event", "not json"},
                                          {"session", "{}"},
                                          {"event", event_json("third")}});
  const SentryRead r = read(SentryEndpoint::envelope, "1", kAuth, "", "", env);
  ASSERT_EQ(r.verdict, V::accepted) << r.detail;
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].message, "third");
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 1u) << "the item's place in the envelope";
  EXPECT_EQ(r.event_id, kId) << "no id in the header: the first event's";
}

TEST(SentryPost, OnlyBadEventsAre400AndAnOversizeOneIs413) {
  const SentryRead bad = read(SentryEndpoint::store, "1", kAuth, "", "", "[1,2]");
  EXPECT_EQ(bad.verdict, V::invalid);
  EXPECT_EQ(http_status(bad.verdict), 400);
  EXPECT_NE(bad.detail.find("not a JSON object"), std::string::npos) << bad.detail;
  const std::string big = json{{"message", std::string(2u << 20, 'x')}}.dump();
  const SentryRead large = read(SentryEndpoint::envelope, "1", kAuth, "", "", envelope("{}", {{"event", big}}));
  EXPECT_EQ(large.verdict, V::too_large);
  EXPECT_EQ(http_status(large.verdict), 413);
  ASSERT_EQ(large.rejected.size(), 1u);
  EXPECT_TRUE(large.rejected[0].too_large);
}

TEST(SentryPost, ATruncatedEnvelopeIs400SayingWhere) {
  const std::string env = "{}\n{\"type\":\"event\",\"length\":400}\n{\"message\":\"m\"}\n";
  const SentryRead r = read(SentryEndpoint::envelope, "1", kAuth, "", "", env);
  EXPECT_EQ(r.verdict, V::malformed);
  EXPECT_NE(r.detail.find("items[0]"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("truncated"), std::string::npos) << r.detail;
}

}  // namespace
}  // namespace erralert::ingest
