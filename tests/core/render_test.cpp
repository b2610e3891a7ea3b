// Tests for the Discord, Slack and webhook renderers: golden bodies for a fixed event, and every
// platform limit under hostile input.
//
// Golden files live in tests/core/golden/. After an intended change of output, regenerate them
// and review the diff:
//
//   ERRALERT_UPDATE_GOLDEN=1 ./build/tests/unit_tests --gtest_filter='RenderGolden*'
//   git diff tests/core/golden/
#include "erralert/core/render.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "erralert/core/render_console.hpp"
#include "erralert/core/utf8.hpp"
#include "render_limits.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;
using testing::discord_violation;
using testing::slack_violation;

constexpr std::int64_t kSeen = 1795322986000;  // 2026-11-22T04:49:46Z

Event seed_event() {
  Event e;
  e.service = "payment-api";
  e.environment = "prod";
  e.host = "web-3";
  e.timestamp_ms = kSeen;
  e.severity = Severity::error;
  e.code = "FEP-SEC-01001";
  e.status = 502;
  e.message = "open AI 연동 오류 : /embeddings";
  e.detail =
      "feign.FeignException$BadGateway: [502 Bad Gateway] during [POST] to "
      "[https://api.openai.com/v1/embeddings]";
  e.request.method = "POST";
  e.request.path = "/v1/users/48213/embeddings";
  e.request.route = "/v1/users/{id}/embeddings";
  e.request.params = {{"model", "text-embedding-ada-002"}, {"password", "[redacted]"}};
  e.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  return e;
}

Notification single(NotificationKind kind, std::uint64_t count, std::int64_t last_seen, Event e = seed_event()) {
  Notification n;
  n.kind = kind;
  n.receiver = "ops-discord";
  n.route = "payments-5xx";
  n.groups.push_back({"9f2c1a2b3c4d5e6f", count, kSeen, last_seen, std::make_shared<const Event>(std::move(e))});
  n.groups.back().total = count;
  n.groups.back().window_ms = 5 * 60 * 1000;
  return n;
}

Notification digest() {
  Notification n;
  n.kind = NotificationKind::digest;
  n.receiver = "ops-discord";
  n.route = "payments-5xx";
  Event auth;
  auth.service = "auth-api";
  auth.environment = "prod";
  auth.host = "web-1";
  auth.timestamp_ms = kSeen + 60000;
  auth.severity = Severity::warning;
  auth.status = 401;
  auth.code = "AUTH-001";
  auth.message = "token expired";
  auth.request.method = "POST";
  auth.request.path = auth.request.route = "/v1/login";
  Event gateway = seed_event();
  gateway.severity = Severity::critical;
  gateway.status = 503;
  gateway.message = "upstream unavailable";
  n.groups.push_back({"1111aaaa2222bbbb", 40, kSeen, kSeen + 60000, std::make_shared<const Event>(auth)});
  n.groups.push_back({"9f2c1a2b3c4d5e6f", 523, kSeen, kSeen + 300000, std::make_shared<const Event>(seed_event())});
  n.groups.push_back({"3333cccc4444dddd", 77, kSeen + 1000, kSeen + 200000, std::make_shared<const Event>(gateway)});
  n.other_groups = 9;
  n.other_count = 120;
  return n;
}

/// Compares `body` with tests/core/golden/`name`; ERRALERT_UPDATE_GOLDEN=1 rewrites the file.
void expect_golden(const json& body, const std::string& name) {
  const std::string path = std::string(ERRALERT_SOURCE_DIR) + "/tests/core/golden/" + name;
  const std::string text = body.dump(2) + "\n";
  if (const char* update = std::getenv("ERRALERT_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream out(path, std::ios::binary);
    out << text;
    ASSERT_TRUE(out) << "cannot write " << path;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path << " is missing; run with ERRALERT_UPDATE_GOLDEN=1";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(text, want.str()) << "differs from " << path;
}

void expect_within_limits(const Notification& n) {
  const json discord = render_discord(n);
  const json slack = render_slack(n);
  EXPECT_EQ(discord_violation(discord), "");
  EXPECT_EQ(slack_violation(slack), "");
  // dump() throws on invalid UTF-8, so this also proves every cut fell on a character boundary.
  EXPECT_TRUE(is_valid_utf8(discord.dump()));
  EXPECT_TRUE(is_valid_utf8(slack.dump()));
  EXPECT_TRUE(is_valid_utf8(render_webhook(n).dump()));
}

std::string repeat(std::string_view s, std::size_t times) {
  std::string out;
  out.reserve(s.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += s;
  return out;
}

std::size_t occurrences(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string_view::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

const json* field_named(const json& embed, std::string_view name) {
  if (!embed.contains("fields")) return nullptr;
  for (const auto& f : embed["fields"]) {
    if (f["name"] == name) return &f;
  }
  return nullptr;
}

// ---- golden bodies ------------------------------------------------------------------------------

TEST(RenderGolden, First) {
  const Notification n = single(NotificationKind::first, 1, kSeen);
  expect_golden(render_discord(n), "discord_first.json");
  expect_golden(render_slack(n), "slack_first.json");
  expect_golden(render_webhook(n), "webhook_first.json");
}

TEST(RenderGolden, Summary) {
  const Notification n = single(NotificationKind::summary, 523, kSeen + 300000);
  expect_golden(render_discord(n), "discord_summary.json");
  expect_golden(render_slack(n), "slack_summary.json");
}

TEST(RenderGolden, Digest) {
  const Notification n = digest();
  expect_golden(render_discord(n), "discord_digest.json");
  expect_golden(render_slack(n), "slack_digest.json");
  expect_golden(render_webhook(n), "webhook_digest.json");
}

// ---- shape ------------------------------------------------------------------------------------

TEST(RenderWebhook, ContractShape) {
  Notification n = single(NotificationKind::summary, 523, kSeen + 300000);
  {
    Event e = *n.groups.front().event;
    e.extra = {{"unknown", 1}};
    n.groups.front().event = std::make_shared<const Event>(std::move(e));
  }
  const json body = render_webhook(n);
  EXPECT_EQ(body["kind"], "summary");
  EXPECT_EQ(body["receiver"], "ops-discord");
  EXPECT_EQ(body["route"], "payments-5xx");
  ASSERT_EQ(body["groups"].size(), 1u);
  const json& g = body["groups"][0];
  EXPECT_EQ(g["fingerprint"], "9f2c1a2b3c4d5e6f");
  EXPECT_EQ(g["count"], 523);
  EXPECT_EQ(g["first_seen"], "2026-11-22T04:49:46Z");
  EXPECT_EQ(g["last_seen"], "2026-11-22T04:54:46Z");
  EXPECT_EQ(g["event"], to_json(*n.groups.front().event));
  EXPECT_FALSE(g["event"].contains("unknown"));
  EXPECT_EQ(body["others"], (json{{"groups", 0}, {"count", 0}}));
}

TEST(RenderDiscord, ColourBySeverityAndNoMentions) {
  const struct {
    Severity severity;
    std::uint32_t colour;
  } cases[] = {{Severity::critical, 0x992D22}, {Severity::error, 0xE74C3C}, {Severity::warning, 0xF1C40F},
               {Severity::info, 0x3498DB},     {Severity::debug, 0x95A5A6}};
  for (const auto& c : cases) {
    Event e = seed_event();
    e.severity = c.severity;
    const json body = render_discord(single(NotificationKind::first, 1, kSeen, e));
    EXPECT_EQ(body["embeds"][0]["color"], c.colour);
    EXPECT_EQ(body["allowed_mentions"], (json{{"parse", json::array()}}));
  }
}

TEST(RenderDiscord, MinimalEventHasNoEmptyFields) {
  Event e;
  e.service = "svc";
  e.message = "m";
  const json body = render_discord(single(NotificationKind::first, 1, 0, e));
  EXPECT_EQ(discord_violation(body), "");
  EXPECT_FALSE(body["embeds"][0].contains("description"));
  EXPECT_FALSE(body["embeds"][0].contains("fields"));
  EXPECT_EQ(slack_violation(render_slack(single(NotificationKind::first, 1, 0, e))), "");
}

TEST(RenderDiscord, AStaleAppTimeIsShownBesideTheReceiptTime) {
  Event e = seed_event();
  e.app_timestamp_ms = 1671684586123;  // 2022-12-22T04:49:46.123Z; timestamp_ms is the receipt time
  const json discord = render_discord(single(NotificationKind::first, 1, kSeen, e));
  EXPECT_EQ(discord["embeds"][0]["timestamp"], "2026-11-22T04:49:46Z");
  EXPECT_NE(discord.dump().find("app's time 2022-12-22T04:49:46.123Z"), std::string::npos) << discord.dump(1);
  const json slack = render_slack(single(NotificationKind::first, 1, kSeen, e));
  EXPECT_NE(slack.dump().find("app's time 2022-12-22T04:49:46.123Z"), std::string::npos) << slack.dump(1);
  const json hook = render_webhook(single(NotificationKind::first, 1, kSeen, e));
  EXPECT_EQ(hook["groups"][0]["event"]["app_timestamp"], "2022-12-22T04:49:46.123Z");
}

TEST(RenderAll, ACountOfThisHostAloneSaysSoOnEveryPlatform) {
  // Fleet mode, Redis unreachable: another host may report the same window of this group.
  Notification n = single(NotificationKind::summary, 40, kSeen, seed_event());
  n.groups[0].host_only = true;
  for (const std::string& body : {render_discord(n).dump(), render_slack(n).dump()}) {
    EXPECT_NE(body.find("counted on this host only"), std::string::npos) << body;
  }
  EXPECT_EQ(render_webhook(n)["groups"][0]["host_only"], true);
  EXPECT_NE(render_console(n).find(" host_only=true"), std::string::npos) << render_console(n);
  n.groups[0].host_only = false;
  EXPECT_EQ(render_discord(n).dump().find("this host only"), std::string::npos);
  EXPECT_FALSE(render_webhook(n)["groups"][0].contains("host_only"));
  EXPECT_EQ(render_console(n).find("host_only"), std::string::npos);
}

// ---- hostile text -----------------------------------------------------------------------------

TEST(RenderDiscord, EveryoneAndHereNeverPing) {
  Event e = seed_event();
  e.message = "@everyone the API is down";
  e.detail = "cc @here";
  e.request.params = {{"who", "@everyone"}};
  e.tags = {{"t", "@here"}};
  const std::string dumped = render_discord(single(NotificationKind::first, 1, kSeen, e)).dump();
  EXPECT_EQ(dumped.find("@everyone"), std::string::npos);
  EXPECT_EQ(dumped.find("@here"), std::string::npos);
  EXPECT_NE(dumped.find("@\xE2\x80\x8B" "everyone"), std::string::npos);
}

TEST(RenderDiscord, MarkdownInEventTextIsEscaped) {
  Event e = seed_event();
  e.message = "**bold** _it_ `code` ||spoiler|| [link](https://x)";
  e.detail = "# heading\n  > quote\nmid # and > stay";
  const json body = render_discord(single(NotificationKind::first, 1, kSeen, e));
  const std::string title = body["embeds"][0]["title"];
  EXPECT_EQ(body["embeds"][0]["description"], "\\# heading\n  \\> quote\nmid # and > stay");
  EXPECT_NE(title.find(R"(\*\*bold\*\* \_it\_ \`code\` \|\|spoiler\|\| \[link](https://x))"), std::string::npos) << title;
}

TEST(RenderDiscord, CodeFencesInEventTextCannotCloseTheBlock) {
  Event e = seed_event();
  e.exception = {"X", "boom", "line1\n```\n**not bold**\n````\nline5"};
  e.request.params = {{"q", "```"}};
  const json embed = render_discord(single(NotificationKind::first, 1, kSeen, e))["embeds"][0];
  EXPECT_EQ(occurrences(embed["description"].get<std::string>(), "```"), 2u);
  EXPECT_EQ(occurrences((*field_named(embed, "Params"))["value"].get<std::string>(), "```"), 2u);
}

TEST(RenderSlack, ControlSequencesInEventTextAreEscaped) {
  Event e = seed_event();
  e.message = "<!channel> deploy <@U123> & <https://evil.example|click>";
  e.detail = "<!here>";
  e.request.params = {{"note", "<!channel>"}, {"who", "<@U123>"}};
  e.errors = {{"name", "<!everyone>", "<#C123>"}};
  e.tags = {{"t", "<!subteam^S1>"}};
  e.host = "<!here>";
  const json body = render_slack(single(NotificationKind::first, 1, kSeen, e));
  EXPECT_EQ(slack_violation(body), "");  // also fails on any '<' in mrkdwn or text
  const std::string dumped = body.dump();
  EXPECT_EQ(dumped.find("<!"), std::string::npos);
  EXPECT_EQ(dumped.find("<@"), std::string::npos);
  EXPECT_NE(dumped.find("&lt;!channel&gt;"), std::string::npos);
  EXPECT_NE(dumped.find("&lt;@U123&gt;"), std::string::npos);
  EXPECT_EQ(body["text"], "payment-api: &lt;!channel&gt; deploy &lt;@U123&gt; &amp; &lt;https://evil.example|click&gt;");
}

// ---- limits -----------------------------------------------------------------------------------

Event huge_event() {
  Event e = seed_event();
  e.severity = Severity::critical;
  e.message = repeat("연동 오류 ", 7500);  // ~105 KB
  e.detail = repeat("상세 내용 😀 ", 6000);
  e.exception = {repeat("Ex", 500), repeat("예외 ", 5000), repeat("\tat com.acme.Service.call(Service.java:42) 😀\n", 2000)};
  e.request.path = "/v1/" + repeat("경로/", 3000);
  e.request.route = "/v1/" + repeat("{id}/", 3000);
  e.request.query = repeat("a=1&", 2000);
  e.environment = repeat("환경", 500);
  e.host = repeat("h", 1000);
  e.code = repeat("C", 1000);
  e.trace_id = repeat("f", 1000);
  for (int i = 0; i < 40; ++i) {
    e.request.params["param_" + std::to_string(i) + repeat("k", 50)] = repeat("값 ", 1500);
    e.errors.push_back({"field." + std::to_string(i), repeat("v😀", 1000), repeat("이유 ", 500)});
    e.tags["tag" + std::to_string(i)] = repeat("t", 300);
  }
  return e;
}

TEST(RenderLimits, HugeKoreanEventFitsEveryLimit) {
  for (auto kind : {NotificationKind::first, NotificationKind::summary}) {
    const Notification n = single(kind, 523, kSeen + 300000, huge_event());
    expect_within_limits(n);
    const json embed = render_discord(n)["embeds"][0];
    EXPECT_TRUE(embed["title"].get<std::string>().ends_with("…"));
    EXPECT_NE(field_named(embed, "Status & code"), nullptr);
    EXPECT_NE(field_named(embed, "Environment"), nullptr);
    EXPECT_EQ(field_named(embed, "Tags"), nullptr);  // the least important part goes first
    const json slack = render_slack(n);
    EXPECT_TRUE(slack["blocks"][0]["text"]["text"].get<std::string>().ends_with("…"));
  }
}

TEST(RenderLimits, DiscordTotalShortensLeastImportantFirst) {
  Event e = seed_event();
  e.detail = repeat("d", 4000);
  for (int i = 0; i < 20; ++i) {
    e.request.params["p" + std::to_string(i)] = repeat("v", 60);
    e.errors.push_back({"f" + std::to_string(i), "x", repeat("r", 60)});
    e.tags["t" + std::to_string(i)] = repeat("t", 60);
  }
  const json body = render_discord(single(NotificationKind::first, 1, kSeen, e));
  EXPECT_EQ(discord_violation(body), "");
  const json& embed = body["embeds"][0];
  EXPECT_EQ(field_named(embed, "Tags"), nullptr);  // dropped whole: shortening it was not enough
  ASSERT_NE(field_named(embed, "Params"), nullptr);
  ASSERT_NE(field_named(embed, "Field errors"), nullptr);
  const std::string params = (*field_named(embed, "Params"))["value"];
  const std::string errors = (*field_named(embed, "Field errors"))["value"];
  EXPECT_EQ(testing::code_points(params), 1024u);           // full, cut only by its own limit
  EXPECT_LT(testing::code_points(errors), 1024u);           // shortened to make the total fit
  EXPECT_TRUE(errors.ends_with("…\n```"));
  EXPECT_EQ(embed["description"].get<std::string>().size(), 4000u);  // untouched
}

TEST(RenderLimits, FourByteCharactersAtEveryCutPoint) {
  for (std::size_t prefix = 140; prefix < 265; ++prefix) {
    Event e = seed_event();
    e.service = "s";
    e.message = std::string(prefix, 'a') + repeat("😀", 20);
    e.request.params = {{"p", std::string(prefix * 4, 'b') + repeat("😀", 600)}};
    e.detail = std::string(prefix * 16, 'c') + repeat("😀", 3000);
    SCOPED_TRACE(prefix);
    expect_within_limits(single(NotificationKind::first, 1, kSeen, e));
  }
}

TEST(RenderLimits, EmptyAndWhitespaceOnlyText) {
  Event e;
  e.service = " ";
  e.message = "\n";
  e.detail = " ";
  e.request.params = {{"", ""}};
  e.errors = {{"", nullptr, ""}};
  expect_within_limits(single(NotificationKind::first, 1, 0, e));
}

/// Sum of the "N×" counts in a digest's lines plus the "+G more groups, N events" line.
std::uint64_t counted_in(std::string_view text, std::string_view bold) {
  std::uint64_t total = 0;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(bold)) {
      total += std::stoull(line.substr(bold.size()));
    } else if (line.starts_with("+")) {
      std::string digits;
      for (char c : line.substr(line.find(", ") + 2)) {
        if (c == ',') continue;
        if (c < '0' || c > '9') break;
        digits += c;
      }
      total += std::stoull(digits);
    }
  }
  return total;
}

TEST(RenderLimits, DigestOfManyGroupsAccountsForEveryEvent) {
  Notification n;
  n.kind = NotificationKind::digest;
  n.route = "r";
  for (int i = 0; i < 500; ++i) {
    Event e = seed_event();
    e.message = std::to_string(i) + repeat(" 메시지", 100);
    n.groups.push_back({"fp" + std::to_string(i), static_cast<std::uint64_t>(i + 1), kSeen, kSeen + i, std::make_shared<const Event>(e)});
  }
  n.other_groups = 7;
  n.other_count = 1000;
  expect_within_limits(n);
  const std::string description = render_discord(n)["embeds"][0]["description"];
  EXPECT_TRUE(description.starts_with("**500×** "));
  EXPECT_NE(description.find(" more groups, "), std::string::npos);
  EXPECT_EQ(counted_in(description, "**"), n.total_count());
  const std::string section = render_slack(n)["blocks"][1]["text"]["text"];
  EXPECT_EQ(counted_in(section, "*"), n.total_count());
}

TEST(RenderLimits, DigestWithoutListedGroups) {
  Notification n;
  n.kind = NotificationKind::digest;
  n.other_groups = 3;
  n.other_count = 10;
  expect_within_limits(n);
  EXPECT_EQ(render_discord(n)["embeds"][0]["description"], "+3 more groups, 10 events");
}

}  // namespace
}  // namespace erralert::core

namespace erralert::core {
namespace {

TEST(RenderText, DirectionControlsAndZeroWidthCharactersNeverReachAPlatform) {
  // U+202E turns "exe.txt" into what reads as "txt.exe"; U+2066..U+2069 isolate and reorder;
  // U+200B and the BOM hide inside words (CVE-2021-42574, "Trojan Source").
  const std::string tricks = "invoice\u202Etxt.exe \u2066admin\u2069 pay\u200Bment \uFEFFbom \u200Eltr \u061C";
  Event e = seed_event();
  e.message = "msg " + tricks;
  e.detail = tricks;
  e.service = "svc\u202E";
  e.exception.stacktrace = "at x " + tricks;
  e.request.params = {{"k", tricks}};
  Notification n = single(NotificationKind::first, 1, 0, e);
  n.route = "route " + tricks;  // the footer: found by fuzz_render in a resolved notification
  for (const std::string& body : {render_discord(n).dump(), render_slack(n).dump()}) {
    for (const char* bad : {"\u202E", "\u2066", "\u2069", "\uFEFF", "\u200E", "\u061C"}) {
      EXPECT_EQ(body.find(bad), std::string::npos) << body;
    }
    // "pay\u200Bment" loses its zero-width space; what was a direction control shows as U+FFFD.
    EXPECT_NE(body.find("payment"), std::string::npos);
    EXPECT_NE(body.find("invoice\uFFFDtxt.exe"), std::string::npos);
  }
  // ZWJ and ZWNJ stay: emoji sequences and several scripts need them.
  Event joined = seed_event();
  joined.message = "family \U0001F468\u200D\U0001F469 and \u0645\u200C\u06CC";
  const std::string body = render_discord(single(NotificationKind::first, 1, 0, joined)).dump();
  EXPECT_NE(body.find("\U0001F468\u200D\U0001F469"), std::string::npos);
  EXPECT_NE(body.find("\u0645\u200C\u06CC"), std::string::npos);
}

}  // namespace
}  // namespace erralert::core
