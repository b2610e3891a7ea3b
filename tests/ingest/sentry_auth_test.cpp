// Where Sentry SDKs put their key: X-Sentry-Auth, ?sentry_key=, the envelope's DSN.
#include "erralert/ingest/sentry_auth.hpp"

#include <gtest/gtest.h>

#include "erralert/ingest/query.hpp"

namespace erralert::ingest {
namespace {

TEST(SentryAuth, HeaderAsEachSdkWritesIt) {
  // sentry-python 1.9
  EXPECT_EQ(sentry_auth_key("Sentry sentry_key=abc, sentry_version=7, sentry_client=sentry.python/1.9.10"), "abc");
  // sentry-javascript
  EXPECT_EQ(sentry_auth_key("Sentry sentry_version=7, sentry_client=sentry.javascript.node/11.12.0, sentry_key=abc"),
            "abc");
  // sentry-java, with a legacy secret after the key
  EXPECT_EQ(sentry_auth_key("Sentry sentry_version=7,sentry_client=sentry.java/8.0.0,sentry_key=abc,sentry_secret=s"),
            "abc");
  EXPECT_EQ(sentry_auth_key("sentry  sentry_key = abc "), "abc");
  EXPECT_EQ(sentry_auth_key("Sentry sentry_key=\"abc\""), "abc");
}

TEST(SentryAuth, HeaderWithoutAKey) {
  EXPECT_EQ(sentry_auth_key(""), std::nullopt);
  EXPECT_EQ(sentry_auth_key("Sentry sentry_version=7"), std::nullopt);
  EXPECT_EQ(sentry_auth_key("Sentry sentry_key="), std::nullopt);
  EXPECT_EQ(sentry_auth_key("Bearer sentry_key=abc"), std::nullopt);
  EXPECT_EQ(sentry_auth_key("Sentrysentry_key=abc"), std::nullopt);
}

TEST(SentryAuth, QueryKey) {
  EXPECT_EQ(query_sentry_key("sentry_version=7&sentry_key=abc"), "abc");
  EXPECT_EQ(query_sentry_key("sentry_key=a%2Db&x=1"), "a-b");
  EXPECT_EQ(query_sentry_key("sentry_keys=abc"), std::nullopt);
  EXPECT_EQ(query_sentry_key("sentry_key="), std::nullopt);
  EXPECT_EQ(query_sentry_key(""), std::nullopt);
}

TEST(SentryAuth, Dsn) {
  auto d = parse_dsn("http://abc@127.0.0.1:9780/1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->key, "abc");
  EXPECT_EQ(d->project, "1");
  d = parse_dsn("https://abc:legacy-secret@sentry.example.com/prefix/42/");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->key, "abc");
  EXPECT_EQ(d->project, "42");
  EXPECT_FALSE(parse_dsn(""));
  EXPECT_FALSE(parse_dsn("http://127.0.0.1:9780/1")) << "no key";
  EXPECT_FALSE(parse_dsn("http://abc@127.0.0.1:9780")) << "no project";
  EXPECT_FALSE(parse_dsn("abc@127.0.0.1/1")) << "no scheme";
}

TEST(Query, DecodesPairs) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(parse_query("a=1&b=x%20y+z&c&&d="), (Pairs{{"a", "1"}, {"b", "x y z"}, {"c", ""}, {"d", ""}}));
  EXPECT_EQ(parse_query(""), Pairs{});
}

}  // namespace
}  // namespace erralert::ingest
