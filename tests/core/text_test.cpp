// Tests for the helpers that the config loader and the runtime share: ASCII text helpers,
// RFC 3339 timestamps and receiver URLs, one table each (the callers' own tests run the same
// tables through the config loader and the HTTPS client: tests/net/validators_test.cpp).
#include "erralert/core/text.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "erralert/core/platform.hpp"
#include "erralert/core/timefmt.hpp"
#include "erralert/core/url.hpp"

namespace erralert::core {
namespace {

TEST(Text, HelpersTable) {
  EXPECT_TRUE(is_digit('0'));
  EXPECT_TRUE(is_digit('9'));
  EXPECT_FALSE(is_digit('a'));
  EXPECT_FALSE(is_digit('\xD9'));  // a UTF-8 byte is no digit, whatever the locale
  EXPECT_EQ(ascii_lower('Q'), 'q');
  EXPECT_EQ(ascii_lower('\xC3'), '\xC3');
  const struct {
    std::string_view a, b;
    bool equal;
  } pairs[] = {{"Content-Type", "content-type", true}, {"", "", true},      {"a", "", false},
               {"Bearer", "BEARER", true},             {"ab", "abc", false}, {"\xC3\xA9", "\xC3\x89", false}};
  for (const auto& p : pairs) EXPECT_EQ(iequals(p.a, p.b), p.equal) << p.a << " / " << p.b;
  EXPECT_TRUE(istarts_with("HTTPS://x", "https://"));
  EXPECT_FALSE(istarts_with("http", "https://"));
  EXPECT_EQ(trim(" \t application/json \r\n"), "application/json");
  EXPECT_EQ(trim("\f\v"), "");
  EXPECT_EQ(trim("a b"), "a b");
}

/// The one timestamp table: the event parser, the silence API and the config file all call
/// parse_timestamp, so each row holds for all three.
struct TimeRow {
  const char* text;
  std::optional<std::int64_t> ms;
};
const TimeRow kTimes[] = {
    {"2026-11-22T04:49:46Z", 1795322986000},
    {"2026-11-22T13:49:46+09:00", 1795322986000},
    {"2026-11-22T13:49:46+0900", 1795322986000},   // ISO 8601 basic offset (Java's "Z" pattern)
    {"2026-11-22T04:49:46,5Z", 1795322986500},     // ISO 8601 decimal comma
    {"2026-11-22T04:49:46.123456Z", 1795322986123},
    {"2026-11-22 04:49:46z", 1795322986000},
    {"2026-11-22T04:49:46", std::nullopt},         // no offset: which zone?
    {"2026-02-30T00:00:00Z", std::nullopt},
    {"2026-11-22T04:49:46+24:00", std::nullopt},
    {"2026-11-22T04:49:46.Z", std::nullopt},
    {"2026-11-22T04:49Z", std::nullopt},
    {"", std::nullopt},
};

TEST(Text, PercentDecode) {
  EXPECT_EQ(percent_decode("a%20b+c"), "a b+c") << "in a path '+' is a plus";
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c") << "in a query or form, a space";
  EXPECT_EQ(percent_decode("100%"), "100%") << "a malformed escape stays";
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("%e2%82%AC"), "\xe2\x82\xac");
}

TEST(Timestamp, OneTable) {
  for (const auto& row : kTimes) EXPECT_EQ(parse_timestamp(row.text), row.ms) << row.text;
}

struct UrlRow {
  const char* url;
  bool ok;          ///< any platform
  bool discord_ok;  ///< a discord receiver
};
const UrlRow kUrls[] = {
    {"https://discord.com/api/webhooks/1/tok", true, true},
    {"HTTPS://discord.com:443/api/webhooks/1/tok?thread_id=2", true, true},
    {"https://[::1]:8443/hook", true, true},
    {"http://127.0.0.1:9/hook", true, true},       // loopback: plain http is fine for a proxy
    {"http://localhost:9/hook", true, true},
    {"http://hooks.example.com/x", true, false},   // Discord and Slack take TLS only
    {"https://127.0.0.1:99999/x", false, false},   // port out of range
    {"https://127.0.0.1:0/x", false, false},
    {"https://127.0.0.1:/x", false, false},
    {"https://user:pw@example.com/x", false, false},
    {"https://[::1/x", false, false},
    {"https://[nothex]/x", false, false},
    {"https://999.1.1.1/x", false, false},
    {"https://exa mple.com/x", false, false},
    {"https://example.com/a b", false, false},
    {"https://example.com/a\"b", false, false},
    {"https://example.com/%zz", false, false},
    {"https:///x", false, false},
    {"ftp://example.com/x", false, false},
    {"example.com/x", false, false},
};

TEST(Url, OneTable) {
  const PlatformInfo& discord = *find_platform("discord");
  for (const auto& row : kUrls) {
    const auto any = url_error(row.url);
    EXPECT_EQ(!any.has_value(), row.ok) << row.url << ": " << any.value_or("ok");
    const auto why = url_error(row.url, discord);
    EXPECT_EQ(!why.has_value(), row.discord_ok) << row.url << ": " << why.value_or("ok");
    if (why) {
      EXPECT_EQ(why->find(row.url), std::string::npos) << "never echoes the URL";
    }
  }
}

TEST(Url, PartsForTheRequest) {
  const auto parsed = parse_http_url("https://[::1]:8443/api/x?a=1#frag");
  ASSERT_TRUE(std::holds_alternative<HttpUrl>(parsed));
  const auto& u = std::get<HttpUrl>(parsed);
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "::1");
  EXPECT_TRUE(u.host_is_ip);
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.authority, "[::1]:8443");
  EXPECT_EQ(u.target, "/api/x?a=1");
  EXPECT_TRUE(u.has_query);
  const auto bare = std::get<HttpUrl>(parse_http_url("http://Example.com?x=1"));
  EXPECT_EQ(bare.port, 80);
  EXPECT_EQ(bare.target, "/?x=1");
  EXPECT_FALSE(bare.host_is_ip);
}

TEST(Text, ToHexSpellsEachByteAsTwoLowerCaseDigits) {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa0, 0xff, 0x42};
  EXPECT_EQ(to_hex(bytes), "000fa0ff42");
  EXPECT_EQ(to_hex({}), "");
}

TEST(RedisUrl, PartsAndDefaults) {
  const struct {
    const char* url;
    RedisUrl expected;
  } rows[] = {
      {"redis://127.0.0.1", {"127.0.0.1", 6379, "", "", 0}},
      {"redis://127.0.0.1:6380/0", {"127.0.0.1", 6380, "", "", 0}},
      {"REDIS://cache.internal/3", {"cache.internal", 6379, "", "", 3}},
      {"redis://:s3cret@10.0.0.5:6379/1", {"10.0.0.5", 6379, "", "s3cret", 1}},
      {"redis://s3cret@10.0.0.5", {"10.0.0.5", 6379, "", "s3cret", 0}},  // the password alone, as redis-cli takes it
      {"redis://erralert:p%40ss%3Aword@[::1]:7000/", {"::1", 7000, "erralert", "p@ss:word", 0}},
  };
  for (const auto& row : rows) {
    const auto parsed = parse_redis_url(row.url);
    ASSERT_TRUE(std::holds_alternative<RedisUrl>(parsed)) << row.url << ": " << std::get<std::string>(parsed);
    const auto& u = std::get<RedisUrl>(parsed);
    EXPECT_EQ(u.host, row.expected.host) << row.url;
    EXPECT_EQ(u.port, row.expected.port) << row.url;
    EXPECT_EQ(u.user, row.expected.user) << row.url;
    EXPECT_EQ(u.password, row.expected.password) << row.url;
    EXPECT_EQ(u.db, row.expected.db) << row.url;
  }
}

TEST(RedisUrl, RefusalsNeverEchoThePassword) {
  const struct {
    const char* url;
    const char* reason;
  } rows[] = {
      {"http://127.0.0.1:6379", "must start with redis://"},
      {"rediss://:SECRETPW@h", "rediss:// (TLS) is not supported"},
      {"redis://:SECRETPW@", "has no host name"},
      {"redis://:SECRETPW@h:0", "has an invalid port"},
      {"redis://:SECRETPW@h:99999", "has an invalid port"},
      {"redis://:SECRETPW@h/x", "has a database that is not a number"},
      {"redis://:SECRETPW@h/1?timeout=1", "has a database that is not a number"},
      {"redis://:SECRET PW@h", "must not contain spaces"},
      {"redis://:SECRET%zzPW@h", "has a character in its user or password"},
      {"redis://:SECRETPW@[::1", "has an IPv6 address without its closing ]"},
  };
  for (const auto& row : rows) {
    const auto parsed = parse_redis_url(row.url);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << row.url;
    const auto& why = std::get<std::string>(parsed);
    EXPECT_NE(why.find(row.reason), std::string::npos) << row.url << ": " << why;
    EXPECT_EQ(why.find("SECRET"), std::string::npos) << why;
  }
}

TEST(UrlScrubber, TakesTheUrlItsPathAndItsTokenOutOfAnswers) {
  const std::string token = "AbCdEf0123456789xyzTOKEN";
  const std::string url = "https://discord.com/api/webhooks/123456789012/" + token + "?wait=true";
  const UrlScrubber scrub(url);
  const struct {
    std::string text, expected;
  } rows[] = {
      {"Cannot POST /api/webhooks/123456789012/" + token + "?wait=true", "Cannot POST [redacted]"},
      {"Cannot POST /api/webhooks/123456789012/" + token, "Cannot POST [redacted]"},
      {"moved to " + url, "moved to [redacted]"},
      {"no webhook with token " + token + " here", "no webhook with token [redacted] here"},
      {"Unknown Webhook (code 10015)", "Unknown Webhook (code 10015)"},
      {"api webhooks wait", "api webhooks wait"},
  };
  for (const auto& row : rows) EXPECT_EQ(scrub(row.text), row.expected) << row.text;
  EXPECT_EQ(UrlScrubber("https://h/services/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX")("no_service: T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX"),
            "no_service: T0001/B0002/[redacted]");
  // A platform may echo the path percent-decoded.
  EXPECT_EQ(UrlScrubber("https://h/hooks/abc%2Fdef0123456789")("Cannot POST /hooks/abc/def0123456789"),
            "Cannot POST [redacted]");
}

}  // namespace
}  // namespace erralert::core
