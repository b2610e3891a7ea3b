// Matchers: globs, status classes and ranges, severity comparisons, field paths, suggestions.
#include "erralert/core/match.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

// ---- glob_match -------------------------------------------------------------------------

struct GlobCase {
  const char* pattern;
  const char* text;
  bool matches;
};

class GlobMatchTest : public ::testing::TestWithParam<GlobCase> {};

TEST_P(GlobMatchTest, Table) {
  const GlobCase& c = GetParam();
  EXPECT_EQ(glob_match(c.pattern, c.text), c.matches) << "pattern '" << c.pattern << "' text '" << c.text << "'";
}

INSTANTIATE_TEST_SUITE_P(
    Glob, GlobMatchTest,
    ::testing::Values(
        GlobCase{"payment-api", "payment-api", true}, GlobCase{"payment-api", "payment-apis", false},
        GlobCase{"", "", true}, GlobCase{"", "x", false}, GlobCase{"*", "", true},
        GlobCase{"payment-*", "payment-api", true}, GlobCase{"payment-*", "payment-", true},
        GlobCase{"payment-*", "billing-api", false}, GlobCase{"*-api", "payment-api", true},
        GlobCase{"FEP-*", "FEP-SEC-01001", true}, GlobCase{"*SEC*", "FEP-SEC-01001", true},
        // `*` stays inside one path segment, `**` crosses them.
        GlobCase{"/v1/*", "/v1/users", true}, GlobCase{"/v1/*", "/v1/users/48213", false},
        GlobCase{"/v1/**", "/v1/users/48213/embeddings", true}, GlobCase{"/v1/**", "/v1/", true},
        GlobCase{"/v1/**", "/v1", false}, GlobCase{"/v1/**", "/v2/users", false},
        GlobCase{"/v1/*/embeddings", "/v1/48213/embeddings", true},
        GlobCase{"/v1/*/embeddings", "/v1/users/48213/embeddings", false},
        GlobCase{"/v1/**/embeddings", "/v1/users/48213/embeddings", true},
        // `**/` is zero or more whole segments.
        GlobCase{"/v1/**/embeddings", "/v1/embeddings", true},
        GlobCase{"**/embeddings", "embeddings", true}, GlobCase{"**/embeddings", "a/b/embeddings", true},
        GlobCase{"**/embeddings", "xembeddings", false},
        GlobCase{"/v1/a**/x", "/v1/abc/d/x", true},
        // `?` is one character, not '/', and one UTF-8 character, not one byte.
        GlobCase{"50?", "502", true}, GlobCase{"50?", "50", false}, GlobCase{"50?", "5023", false},
        GlobCase{"a?b", "a/b", false}, GlobCase{"오?", "오류", true}, GlobCase{"??", "오류", true},
        GlobCase{"???", "오류", false}, GlobCase{"*연동*", "open AI 연동 오류 : /embeddings", false},
        GlobCase{"**연동**", "open AI 연동 오류 : /embeddings", true},
        // `\` escapes a wildcard.
        GlobCase{"a\\*b", "a*b", true}, GlobCase{"a\\*b", "axb", false}, GlobCase{"a\\?", "a?", true},
        GlobCase{"a\\", "a\\", true},
        // Case matters.
        GlobCase{"Payment-*", "payment-api", false},
        // Backtracking cases.
        GlobCase{"*a*b*c", "xaxbxc", true}, GlobCase{"*a*b*c", "xaxbxcx", false},
        GlobCase{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false}));

TEST(GlobMatchTest, LongInputsRunQuickly) {
  // An exponential backtracker takes ages on this; the DP is pattern × text.
  std::string text(100'000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "*a";
  pattern += "b";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(glob_match(pattern, text));
  EXPECT_TRUE(glob_match(pattern.substr(0, pattern.size() - 1), text));
  EXPECT_FALSE(glob_match(std::string(2000, '?') + "**", std::string(1000, 'x')));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

// ---- compile_matcher and Matcher::matches -------------------------------------------------

Event sample_event() {
  Event e;
  e.service = "payment-api";
  e.environment = "prod";
  e.severity = Severity::error;
  e.code = "FEP-SEC-01001";
  e.status = 502;
  e.message = "open AI 연동 오류 : /embeddings";
  e.request.method = "POST";
  e.request.path = "/v1/users/48213/embeddings";
  e.request.route = "/v1/users/{id}/embeddings";
  e.tags = {{"team", "payments"}};
  e.exception.type = "feign.FeignException$BadGateway";
  return e;
}

struct TermCase {
  const char* key;
  const char* value;
  bool matches;  ///< against sample_event()
};

class MatchTest : public ::testing::TestWithParam<TermCase> {};

TEST_P(MatchTest, Table) {
  const TermCase& c = GetParam();
  const Result<Matcher> m = compile_matcher({{c.key, c.value}});
  ASSERT_TRUE(m.ok()) << c.key << ": " << c.value << ": " << m.errors().front().reason;
  EXPECT_EQ(m->matches(sample_event()), c.matches) << c.key << ": " << c.value;
}

INSTANTIATE_TEST_SUITE_P(
    MatchStatus, MatchTest,
    ::testing::Values(TermCase{"status", "502", true}, TermCase{"status", "500", false},
                      TermCase{"status", "5xx", true}, TermCase{"status", "5XX", true},
                      TermCase{"status", "4xx", false}, TermCase{"status", "500-504", true},
                      TermCase{"status", "500 - 504", true}, TermCase{"status", "503-599", false},
                      TermCase{"status", "502-502", true}, TermCase{"status", ">=500", true},
                      TermCase{"status", ">= 500", true}, TermCase{"status", ">=503", false},
                      TermCase{"status", ">501", true}, TermCase{"status", ">502", false},
                      TermCase{"status", "<=502", true}, TermCase{"status", "<=501", false},
                      TermCase{"status", "<503", true}, TermCase{"status", "<502", false},
                      TermCase{"status", " 502 ", true}));

INSTANTIATE_TEST_SUITE_P(
    MatchSeverity, MatchTest,
    ::testing::Values(TermCase{"severity", "error", true}, TermCase{"severity", "warning", false},
                      TermCase{"severity", "ERROR", true}, TermCase{"severity", ">=warning", true},
                      TermCase{"severity", ">=error", true}, TermCase{"severity", ">=critical", false},
                      TermCase{"severity", ">warning", true}, TermCase{"severity", ">error", false},
                      TermCase{"severity", "<=error", true}, TermCase{"severity", "<=info", false},
                      TermCase{"severity", "<critical", true}, TermCase{"severity", "<error", false}));

INSTANTIATE_TEST_SUITE_P(
    MatchFields, MatchTest,
    ::testing::Values(TermCase{"service", "payment-*", true}, TermCase{"service", "billing-*", false},
                      TermCase{"code", "FEP-*", true}, TermCase{"environment", "prod", true},
                      TermCase{"request.path", "/v1/**", true}, TermCase{"request.path", "/v1/*", false},
                      TermCase{"path", "/v1/**", true}, TermCase{"method", "POST", true},
                      TermCase{"route", "/v1/users/{id}/*", true},
                      TermCase{"request.route", "/v1/users/\\{id\\}/embeddings", true},
                      TermCase{"tags.team", "pay*", true}, TermCase{"tags.owner", "*", false},
                      TermCase{"exception.type", "feign.*", true}, TermCase{"message", "**연동**", true},
                      // Missing or empty fields match only "".
                      TermCase{"host", "*", false}, TermCase{"host", "", true},
                      TermCase{"tags.owner", "", true}, TermCase{"code", "", false},
                      TermCase{"extra.tenant", "", true}));

TEST(MatchTest, EveryTermMustHold) {
  const Result<Matcher> m = compile_matcher({{"service", "payment-*"},
                                             {"status", "5xx"},
                                             {"code", "FEP-*"},
                                             {"severity", ">=error"},
                                             {"path", "/v1/**"}});
  ASSERT_TRUE(m.ok());
  Event e = sample_event();
  EXPECT_TRUE(m->matches(e));
  e.status = 404;
  EXPECT_FALSE(m->matches(e));
}

TEST(MatchTest, EmptyMatcherMatchesEverything) {
  const Result<Matcher> m = compile_matcher({});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->matches(Event{}));
  EXPECT_TRUE(m->matches(sample_event()));
}

TEST(MatchTest, EventWithoutStatusMatchesNoStatusTerm) {
  Event e = sample_event();
  e.status = 0;
  for (const char* v : {"5xx", "100-599", ">=100", "<=599", "<600", "502"}) {
    const Result<Matcher> m = compile_matcher({{"status", v}});
    if (!m.ok()) continue;  // "<600" is out of range and refused; fine
    EXPECT_FALSE(m->matches(e)) << v;
  }
}

TEST(MatchTest, CopiesAndMovesKeepTheTerms) {
  Result<Matcher> m = compile_matcher({{"service", "payment-*"}});
  ASSERT_TRUE(m.ok());
  Matcher copy = *m;
  Matcher moved = std::move(*m);
  Event other = sample_event();
  other.service = "billing";
  EXPECT_TRUE(copy.matches(sample_event()));
  EXPECT_FALSE(copy.matches(other));
  EXPECT_FALSE(moved.matches(other));
}

struct BadTermCase {
  const char* key;
  const char* value;
  const char* reason_part;
};

class MatchErrorTest : public ::testing::TestWithParam<BadTermCase> {};

TEST_P(MatchErrorTest, NamesTheKeyAndSaysWhy) {
  const BadTermCase& c = GetParam();
  const Result<Matcher> m = compile_matcher({{"service", "ok-*"}, {c.key, c.value}});
  ASSERT_FALSE(m.ok()) << c.key << ": " << c.value;
  ASSERT_EQ(m.errors().size(), 1u);
  EXPECT_EQ(m.errors()[0].field, c.key);
  EXPECT_EQ(m.errors()[0].value, "");  // values are never echoed
  EXPECT_NE(m.errors()[0].reason.find(c.reason_part), std::string::npos) << m.errors()[0].reason;
}

constexpr const char* kStatusHelp = "expected 502, 5xx, 500-504 or >=500";

INSTANTIATE_TEST_SUITE_P(
    MatchError, MatchErrorTest,
    ::testing::Values(BadTermCase{"status", "", kStatusHelp}, BadTermCase{"status", "5xxx", kStatusHelp},
                      BadTermCase{"status", "6xx", kStatusHelp}, BadTermCase{"status", "0xx", kStatusHelp},
                      BadTermCase{"status", "99", kStatusHelp}, BadTermCase{"status", "600", kStatusHelp},
                      BadTermCase{"status", "504-500", kStatusHelp}, BadTermCase{"status", "500-", kStatusHelp},
                      BadTermCase{"status", "=>500", kStatusHelp}, BadTermCase{"status", ">=abc", kStatusHelp},
                      BadTermCase{"status", "5*", kStatusHelp}, BadTermCase{"status", ">599", kStatusHelp},
                      BadTermCase{"status", "<100", kStatusHelp}, BadTermCase{"status", "-500", kStatusHelp},
                      BadTermCase{"severity", "fatalish", "expected a severity"},
                      BadTermCase{"severity", ">=", "expected a severity"},
                      BadTermCase{"severity", "<debug", "expected a severity"},
                      BadTermCase{"severity", ">critical", "expected a severity"},
                      BadTermCase{"servce", "x", "unknown event field 'servce'; did you mean 'service'?"},
                      BadTermCase{"tenant", "x", "fields outside the contract are extra.tenant"},
                      BadTermCase{"request.rout", "x", "did you mean 'route'?"},
                      BadTermCase{"request", "x", "request needs a sub-field"},
                      BadTermCase{"request.path.x", "x", "has no sub-fields"},
                      BadTermCase{"exception.kind", "x", "unknown exception field"},
                      BadTermCase{"tags", "x", "tags needs a key"}, BadTermCase{"", "x", "dotted field path"},
                      BadTermCase{"service.", "x", "dotted field path"},
                      BadTermCase{"a..b", "x", "dotted field path"}));

TEST(MatchErrorTest, ReportsEveryBadTerm) {
  const Result<Matcher> m = compile_matcher({{"status", "6xx"}, {"severity", "loud"}, {"servce", "x"}});
  ASSERT_FALSE(m.ok());
  ASSERT_EQ(m.errors().size(), 3u);
  EXPECT_EQ(m.errors()[0].field, "status");
  EXPECT_EQ(m.errors()[1].field, "severity");
  EXPECT_EQ(m.errors()[2].field, "servce");
}

// ---- field_path_error and closest_name -----------------------------------------------------

TEST(MatchFieldPathTest, GroupByDefaultsAreValid) {
  for (const char* p : {"service", "environment", "code", "status", "request.method", "request.route",
                        "exception.type", "tags.team", "request.params.model", "request.headers.x-id",
                        "extra.tenant", "trace_id", "host", "severity"}) {
    EXPECT_EQ(field_path_error(p), std::nullopt) << p;
  }
  EXPECT_EQ(field_path_error("path"), "write request.path here");
}

TEST(MatchClosestNameTest, SuggestsOnlyNearNames) {
  const std::vector<std::string_view> keys{"max_body_bytes", "listen", "token", "url", "url_file"};
  EXPECT_EQ(closest_name("max_body_byte", keys), "max_body_bytes");
  EXPECT_EQ(closest_name("max_bdoy_bytes", keys), "max_body_bytes");  // transposition
  EXPECT_EQ(closest_name("Listen", keys), "listen");
  EXPECT_EQ(closest_name("tokn", keys), "token");
  EXPECT_EQ(closest_name("urll", keys), "url");
  EXPECT_EQ(closest_name("completely_else", keys), std::nullopt);
  EXPECT_EQ(closest_name("ab", keys), std::nullopt);
  EXPECT_EQ(closest_name("", keys), std::nullopt);
}

TEST(MatchClosestNameTest, PicksTheNearestOfSeveral) {
  const std::vector<std::string_view> keys{"url", "url_file", "max_body_bytes"};
  EXPECT_EQ(closest_name("urlfile", keys), "url_file");          // 1 from url_file, 4 from url
  EXPECT_EQ(closest_name("url_fiel", keys), "url_file");         // a transposition late in the name
  EXPECT_EQ(closest_name("mxa_body_byets", keys), "max_body_bytes");  // two transpositions
  EXPECT_EQ(closest_name("mxa_bdoy_byets", keys), std::nullopt);      // three
  EXPECT_EQ(closest_name("URL_FILE", keys), "url_file");
  const std::string longest(256, 'a');
  const std::vector<std::string_view> near_longest{std::string_view(longest).substr(0, 255)};
  EXPECT_EQ(closest_name(longest, near_longest), near_longest[0]);
  EXPECT_EQ(closest_name(longest + "a", near_longest), std::nullopt);  // past the length cap
}

}  // namespace
}  // namespace erralert::core
