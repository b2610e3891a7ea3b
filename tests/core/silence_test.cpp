// SilenceSet and the POST /v1/silences body: validation, ids, expiry, reload, persistence.
#include "erralert/core/silence.hpp"

#include <gtest/gtest.h>

#include <set>

namespace erralert::core {
namespace {

constexpr std::int64_t kNow = 1'795'323'000'000;  // 2026-11-22T04:50:00Z
constexpr std::int64_t kHour = 3'600'000;

Event event(std::string service, int status = 500) {
  Event e;
  e.service = std::move(service);
  e.status = status;
  e.message = "boom";
  return e;
}

config::Silence config_silence(std::string service, std::optional<std::int64_t> until, std::string comment = "") {
  return {{{"service", std::move(service)}}, until, std::move(comment)};
}

// --- parse_silence_request -------------------------------------------------------------------

struct RequestCase {
  const char* name;
  const char* body;
  std::int64_t until_ms;  ///< expected when valid
  const char* error_field;  ///< nullptr: valid
};

class SilenceRequestTest : public ::testing::TestWithParam<RequestCase> {};

TEST_P(SilenceRequestTest, Reads) {
  const auto& c = GetParam();
  const auto body = nlohmann::json::parse(c.body);
  const auto r = parse_silence_request(body, kNow);
  if (c.error_field == nullptr) {
    ASSERT_TRUE(r) << r.errors()[0].field << ": " << r.errors()[0].reason;
    EXPECT_EQ(r->until_ms, c.until_ms);
  } else {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.errors()[0].field, c.error_field) << r.errors()[0].reason;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Silences, SilenceRequestTest,
    ::testing::Values(
        RequestCase{"until", R"({"match":{"service":"a"},"until":"2026-11-22T06:50:00Z"})", kNow + 2 * kHour, nullptr},
        RequestCase{"for", R"({"match":{"service":"a"},"for":"2h","comment":"deploy"})", kNow + 2 * kHour, nullptr},
        RequestCase{"until_with_offset", R"({"match":{"service":"a"},"until":"2026-11-22T15:50:00+09:00"})",
                    kNow + 2 * kHour, nullptr},
        RequestCase{"not_an_object", R"(["match"])", 0, ""},
        RequestCase{"no_match", R"({"for":"2h"})", 0, "match"},
        RequestCase{"match_not_object", R"({"match":"service=a","for":"2h"})", 0, "match"},
        RequestCase{"match_value_not_string", R"({"match":{"status":500},"for":"2h"})", 0, "match.status"},
        RequestCase{"neither_until_nor_for", R"({"match":{"service":"a"}})", 0, "until"},
        RequestCase{"both", R"({"match":{"service":"a"},"until":"2026-11-22T06:50:00Z","for":"2h"})", 0, "for"},
        RequestCase{"bad_until", R"({"match":{"service":"a"},"until":"tomorrow"})", 0, "until"},
        RequestCase{"until_number", R"({"match":{"service":"a"},"until":1795330200000})", 0, "until"},
        RequestCase{"bad_for", R"({"match":{"service":"a"},"for":"2 hours"})", 0, "for"},
        RequestCase{"zero_for", R"({"match":{"service":"a"},"for":"0s"})", 0, "for"},
        RequestCase{"comment_not_string", R"({"match":{"service":"a"},"for":"2h","comment":7})", 0, "comment"},
        RequestCase{"unknown_key", R"({"match":{"service":"a"},"for":"2h","util":"x"})", 0, "util"}),
    [](const auto& info) { return std::string(info.param.name); });

// --- add -------------------------------------------------------------------------------------

struct AddCase {
  const char* name;
  std::vector<config::MatchTerm> match;
  std::int64_t until_ms;
  const char* error_field;  ///< nullptr: added
};

class SilenceAddTest : public ::testing::TestWithParam<AddCase> {};

TEST_P(SilenceAddTest, ValidatesOrAdds) {
  const auto& c = GetParam();
  SilenceSet s;
  const auto r = s.add(c.match, c.until_ms, "c", kNow);
  if (c.error_field == nullptr) {
    ASSERT_TRUE(r) << r.errors()[0].field << ": " << r.errors()[0].reason;
    EXPECT_EQ(r->size(), 16u);
    EXPECT_EQ(s.list(kNow).size(), 1u);
  } else {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.errors()[0].field, c.error_field) << r.errors()[0].reason;
    EXPECT_TRUE(s.list(kNow).empty()) << "a refused silence is not added";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Silences, SilenceAddTest,
    ::testing::Values(AddCase{"glob", {{"service", "legacy-*"}}, kNow + kHour, nullptr},
                      AddCase{"status_and_path", {{"status", "5xx"}, {"path", "/v1/**"}}, kSilenceForever, nullptr},
                      AddCase{"no_terms", {}, kNow + kHour, "match"},
                      AddCase{"bad_status", {{"status", "6xx"}}, kNow + kHour, "match.status"},
                      AddCase{"bad_severity", {{"severity", ">=loud"}}, kNow + kHour, "match.severity"},
                      AddCase{"bad_field", {{"request.nope", "x"}}, kNow + kHour, "match.request.nope"},
                      AddCase{"until_now", {{"service", "a"}}, kNow, "until"},
                      AddCase{"until_past", {{"service", "a"}}, kNow - 1, "until"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SilenceSet, IdsAreUniqueHex) {
  SilenceSet s;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    auto r = s.add({{"service", "a"}}, kNow + kHour, "", kNow);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->find_first_not_of("0123456789abcdef"), std::string::npos) << *r;
    ids.insert(*r);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(SilenceSet, MatchesWhileInForce) {
  SilenceSet s({config_silence("legacy-batch", kNow + kHour, "migration")});
  auto id = s.add({{"service", "search"}, {"status", "5xx"}}, kNow + 2 * kHour, "reindex", kNow);
  ASSERT_TRUE(id);

  struct Case {
    Event e;
    std::int64_t at;
    const char* silence;  ///< id expected, nullptr: none
  };
  const std::vector<Case> cases = {
      {event("legacy-batch"), kNow, "config-1"},
      {event("legacy-batch"), kNow + kHour - 1, "config-1"},
      {event("legacy-batch"), kNow + kHour, nullptr},
      {event("search", 503), kNow + kHour, id->c_str()},
      {event("search", 404), kNow, nullptr},
      {event("search", 503), kNow + 2 * kHour, nullptr},
      {event("other"), kNow, nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.e.service + " " + std::to_string(c.e.status) + " at +" + std::to_string(c.at - kNow));
    const Silence* hit = s.matching(c.e, c.at);
    EXPECT_EQ(s.matches(c.e, c.at), hit != nullptr);
    if (c.silence == nullptr) {
      EXPECT_EQ(hit, nullptr);
    } else {
      ASSERT_NE(hit, nullptr);
      EXPECT_EQ(hit->id, c.silence);
    }
  }
}

TEST(SilenceSet, ExpireEndsApiSilencesOnly) {
  SilenceSet s({config_silence("legacy-batch", std::nullopt)});
  auto id = s.add({{"service", "search"}}, kNow + kHour, "", kNow);
  ASSERT_TRUE(id);
  EXPECT_EQ(s.expire("config-1", kNow), SilenceSet::ExpireOutcome::read_only);
  EXPECT_EQ(s.expire("0000000000000000", kNow), SilenceSet::ExpireOutcome::unknown);
  EXPECT_TRUE(s.matches(event("search"), kNow + 1));
  EXPECT_EQ(s.expire(*id, kNow + 1), SilenceSet::ExpireOutcome::expired);
  EXPECT_FALSE(s.matches(event("search"), kNow + 1));
  EXPECT_EQ(s.expire(*id, kNow + 1), SilenceSet::ExpireOutcome::unknown) << "expired already";
  EXPECT_TRUE(s.matches(event("legacy-batch"), kNow + 1));
}

TEST(SilenceSet, AnEndedSilenceCannotBeExpired) {
  SilenceSet s;
  auto id = s.add({{"service", "search"}}, kNow + kHour, "", kNow);
  ASSERT_TRUE(id);
  EXPECT_EQ(s.expire(*id, kNow + kHour), SilenceSet::ExpireOutcome::unknown);
}

TEST(SilenceSet, ListsWhatIsInForceConfigFirst) {
  SilenceSet s({config_silence("a", kNow + kHour), config_silence("b", std::nullopt, "forever")});
  auto later = s.add({{"service", "c"}}, kNow + 3 * kHour, "c", kNow);
  auto sooner = s.add({{"service", "d"}}, kNow + 2 * kHour, "d", kNow + 1);
  ASSERT_TRUE(later && sooner);

  auto all = s.list(kNow + 1);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].id, "config-1");
  EXPECT_EQ(all[0].source, SilenceSource::config);
  EXPECT_EQ(all[1].until_ms, kSilenceForever);
  EXPECT_EQ(all[1].comment, "forever");
  EXPECT_EQ(all[2].id, *later);
  EXPECT_EQ(all[2].source, SilenceSource::api);
  EXPECT_EQ(all[2].created_ms, kNow);
  EXPECT_EQ(all[3].id, *sooner);

  auto after_two_hours = s.list(kNow + 2 * kHour);
  ASSERT_EQ(after_two_hours.size(), 2u);
  EXPECT_EQ(after_two_hours[0].id, "config-2");
  EXPECT_EQ(after_two_hours[1].id, *later);
}

TEST(SilenceSet, ApiJsonShowsTimesAsRfc3339OrNull) {
  SilenceSet s({config_silence("batch", std::nullopt, "migration")});
  ASSERT_TRUE(s.add({{"service", "a"}, {"status", "5xx"}}, kNow + 2 * kHour, "deploy", kNow));
  const auto all = s.list(kNow);
  EXPECT_EQ(to_api_json(all[0]), nlohmann::json::parse(R"({"id":"config-1","match":{"service":"batch"},
      "until":null,"comment":"migration","source":"config","created":null})"));
  auto api = to_api_json(all[1]);
  api.erase("id");
  EXPECT_EQ(api, nlohmann::json::parse(R"({"match":{"service":"a","status":"5xx"},
      "until":"2026-11-22T06:50:00Z","comment":"deploy","source":"api","created":"2026-11-22T04:50:00Z"})"));
}

TEST(SilenceSet, ReloadReplacesConfigSilencesAndKeepsApiOnes) {
  SilenceSet s({config_silence("old", std::nullopt)});
  auto id = s.add({{"service", "api-one"}}, kNow + kHour, "", kNow);
  ASSERT_TRUE(id);
  s.set_config({config_silence("new", std::nullopt)});
  EXPECT_FALSE(s.matches(event("old"), kNow));
  EXPECT_TRUE(s.matches(event("new"), kNow));
  EXPECT_TRUE(s.matches(event("api-one"), kNow));
  EXPECT_EQ(s.list(kNow).size(), 2u);
}

TEST(SilenceSet, PruneDropsEndedApiSilences) {
  SilenceSet s({config_silence("cfg", kNow)});
  ASSERT_TRUE(s.add({{"service", "a"}}, kNow + kHour, "", kNow - 1));
  ASSERT_TRUE(s.add({{"service", "b"}}, kNow + 2 * kHour, "", kNow - 1));
  EXPECT_EQ(s.prune(kNow + kHour), 1u);
  EXPECT_EQ(s.to_json().size(), 1u);
  EXPECT_EQ(s.list(kNow + kHour).size(), 1u);
  EXPECT_EQ(s.prune(kNow + kHour), 0u);
}

TEST(SilenceSet, JsonRoundTripKeepsApiSilencesOnly) {
  SilenceSet s({config_silence("cfg", std::nullopt)});
  auto a = s.add({{"service", "a"}, {"path", "/v1/**"}}, kNow + kHour, "deploy ✓", kNow);
  auto b = s.add({{"status", ">=500"}}, kSilenceForever, "", kNow + 5);
  ASSERT_TRUE(a && b);
  const auto doc = s.to_json();
  ASSERT_EQ(doc.size(), 2u);

  SilenceSet back({config_silence("cfg", std::nullopt)});
  const auto r = back.restore(nlohmann::json::parse(doc.dump()));
  EXPECT_EQ(r.loaded, 2u);
  EXPECT_EQ(r.skipped, 0u);
  const auto want = s.list(kNow);
  const auto got = back.list(kNow);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(to_api_json(got[i]), to_api_json(want[i]));
  EXPECT_TRUE(back.matches(event("a"), kNow)) << "restored silences have matchers";
  EXPECT_EQ(back.expire(*a, kNow), SilenceSet::ExpireOutcome::expired);
}

TEST(SilenceSet, RestoreSkipsBadEntriesAndNeverThrows) {
  const auto entries = nlohmann::json::parse(R"([
    {"id":"aaaaaaaaaaaaaaaa","match":[["service","ok"]],"until_ms":9000000000000,"comment":"","created_ms":1},
    {"id":"aaaaaaaaaaaaaaaa","match":[["service","dup"]],"until_ms":9000000000000},
    {"id":"b","match":[],"until_ms":1},
    {"id":"c","match":[["service"]],"until_ms":1},
    {"id":"d","match":[["status","6xx"]],"until_ms":1},
    {"id":"e","match":[["service","x"]],"until_ms":"soon"},
    {"id":"f","match":[["service","x"]],"until_ms":1.5},
    {"id":"g","match":[["service","x"]],"comment":3},
    {"id":"","match":[["service","x"]]},
    {"match":[["service","x"]]},
    {"id":"h","match":{"service":"x"}},
    {"id":"i","match":[["service","x"]],"until_ms":18446744073709551615},
    "not an object",
    null,
    {"id":"config-1","match":[["service","x"]]},
    {"id":"j","match":[["service","no-until"]]}
  ])");
  SilenceSet s({config_silence("cfg", std::nullopt)});
  const auto r = s.restore(entries);
  EXPECT_EQ(r.loaded, 2u);
  EXPECT_EQ(r.skipped, entries.size() - 2);
  EXPECT_TRUE(s.matches(event("ok"), kNow));
  EXPECT_TRUE(s.matches(event("no-until"), kNow)) << "an absent until_ms is forever";

  SilenceSet empty;
  EXPECT_EQ(empty.restore(nlohmann::json::object()).loaded, 0u);
  EXPECT_EQ(empty.restore(nlohmann::json()).skipped, 0u);
}

}  // namespace
}  // namespace erralert::core
