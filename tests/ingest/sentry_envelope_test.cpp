// Envelope framing: items with and without length, CRLF, empty items, several items, blank
// lines, and the refusals (truncated, bad headers, wrong lengths, too many items).
#include "erralert/ingest/sentry_envelope.hpp"

#include <gtest/gtest.h>

namespace erralert::ingest {
namespace {

struct Item {
  std::string type;
  std::string payload;
  bool operator==(const Item&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Item& i) { return os << i.type << ":" << ::testing::PrintToString(i.payload); }

std::vector<Item> items_of(const Envelope& env) {
  std::vector<Item> out;
  for (const auto& i : env.items) out.push_back({i.type, std::string(i.payload)});
  return out;
}

const std::string kHeader = R"({"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"http://k3y@127.0.0.1:9780/1","sent_at":"2026-11-22T04:49:46Z"})";

struct FrameCase {
  const char* name;
  std::string body;
  std::vector<Item> items;
};

class Framing : public ::testing::TestWithParam<FrameCase> {};

TEST_P(Framing, ReadsTheItems) {
  const FrameCase& c = GetParam();
  auto env = parse_envelope(c.body);
  ASSERT_TRUE(env.ok()) << c.name << ": " << env.errors().front().field << ": " << env.errors().front().reason;
  EXPECT_EQ(items_of(*env), c.items) << c.name;
  EXPECT_EQ(env->event_id, "9ec79c33ec9942ab8353589fcb2e04dc");
  EXPECT_EQ(env->dsn, "http://k3y@127.0.0.1:9780/1");
}

INSTANTIATE_TEST_SUITE_P(
    Envelope, Framing,
    ::testing::Values(
        FrameCase{"one event without length", kHeader + "\n{\"type\":\"event\"}\n{\"message\":\"m\"}\n",
                  {{"event", R"({"message":"m"})"}}},
        FrameCase{"no newline at the end", kHeader + "\n{\"type\":\"event\"}\n{\"message\":\"m\"}",
                  {{"event", R"({"message":"m"})"}}},
        FrameCase{"length, payload holding newlines",
                  kHeader + "\n{\"type\":\"attachment\",\"length\":11,\"filename\":\"a.txt\"}\nline1\nline2\n"
                            "{\"type\":\"event\",\"length\":15}\n{\"message\":\"m\"}\n",
                  {{"attachment", "line1\nline2"}, {"event", R"({"message":"m"})"}}},
        FrameCase{"length without a newline at the end",
                  kHeader + "\n{\"type\":\"event\",\"length\":15}\n{\"message\":\"m\"}",
                  {{"event", R"({"message":"m"})"}}},
        FrameCase{"CRLF everywhere",
                  kHeader + "\r\n{\"type\":\"session\"}\r\n{\"sid\":\"x\"}\r\n{\"type\":\"event\",\"length\":15}\r\n"
                            "{\"message\":\"m\"}\r\n",
                  {{"session", R"({"sid":"x"})"}, {"event", R"({"message":"m"})"}}},
        FrameCase{"empty items, with and without length",
                  kHeader + "\n{\"type\":\"attachment\",\"length\":0}\n\n{\"type\":\"client_report\"}\n\n"
                            "{\"type\":\"event\"}\n{\"message\":\"m\"}\n",
                  {{"attachment", ""}, {"client_report", ""}, {"event", R"({"message":"m"})"}}},
        FrameCase{"empty item last, at the end of the body", kHeader + "\n{\"type\":\"session\"}",
                  {{"session", ""}}},
        FrameCase{"blank lines between items",
                  kHeader + "\n\n{\"type\":\"session\"}\n{}\n\n\r\n{\"type\":\"event\"}\n{\"message\":\"m\"}\n\n",
                  {{"session", "{}"}, {"event", R"({"message":"m"})"}}},
        FrameCase{"several items as @sentry/node writes them",
                  kHeader + "\n{\"type\":\"event\"}\n{\"message\":\"a\"}\n{\"type\":\"client_report\"}\n"
                            "{\"discarded_events\":[]}\n{\"type\":\"event\"}\n{\"message\":\"b\"}\n",
                  {{"event", R"({"message":"a"})"},
                   {"client_report", R"({"discarded_events":[]})"},
                   {"event", R"({"message":"b"})"}}},
        FrameCase{"length null is no length", kHeader + "\n{\"type\":\"event\",\"length\":null}\n{}\n",
                  {{"event", "{}"}}},
        FrameCase{"header only", kHeader, {}},
        FrameCase{"header only with newline", kHeader + "\n", {}}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return n;
    });

TEST(Envelope, HeaderWithoutIdOrDsn) {
  auto env = parse_envelope("{}\n{\"type\":\"event\"}\n{}\n");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->event_id, "");
  EXPECT_EQ(env->dsn, "");
  EXPECT_EQ(env->items.size(), 1u);
}

TEST(Envelope, ItemOffsetsPointAtTheirHeaders) {
  const std::string body = kHeader + "\n{\"type\":\"session\"}\n{}\n{\"type\":\"event\"}\n{}\n";
  auto env = parse_envelope(body);
  ASSERT_TRUE(env.ok());
  ASSERT_EQ(env->items.size(), 2u);
  EXPECT_EQ(body.substr(env->items[0].offset, 18), "{\"type\":\"session\"}");
  EXPECT_EQ(body.substr(env->items[1].offset, 16), "{\"type\":\"event\"}");
}

struct BadCase {
  const char* name;
  std::string body;
  std::string field;
  std::string reason_part;
};

class Refusal : public ::testing::TestWithParam<BadCase> {};

TEST_P(Refusal, SaysWhatAndWhere) {
  const BadCase& c = GetParam();
  auto env = parse_envelope(c.body);
  ASSERT_FALSE(env.ok()) << c.name;
  ASSERT_EQ(env.errors().size(), 1u);
  EXPECT_EQ(env.errors()[0].field, c.field) << c.name;
  EXPECT_NE(env.errors()[0].reason.find(c.reason_part), std::string::npos) << c.name << ": " << env.errors()[0].reason;
}

INSTANTIATE_TEST_SUITE_P(
    Envelope, Refusal,
    ::testing::Values(
        BadCase{"empty body", "", "envelope header", "empty"},
        BadCase{"white space only", " \r\n\n", "envelope header", "empty"},
        BadCase{"header not JSON", "hello\n{\"type\":\"event\"}\n{}\n", "envelope header", "not a JSON object"},
        BadCase{"header an array", "[1]\n", "envelope header", "not a JSON object"},
        BadCase{"store body sent to the envelope endpoint", "{\"message\":\"m\",\n\"level\":\"error\"}",
                "envelope header", "not a JSON object"},
        BadCase{"item header not JSON", kHeader + "\n{\"type\":\"event\"}\n{}\nnot json\n", "items[1]",
                "not a JSON object"},
        BadCase{"item without type", kHeader + "\n{\"length\":2}\n{}\n", "items[0]", "has no \"type\""},
        BadCase{"item type not a string", kHeader + "\n{\"type\":7}\n{}\n", "items[0]", "has no \"type\""},
        BadCase{"negative length", kHeader + "\n{\"type\":\"event\",\"length\":-1}\n{}\n", "items[0]",
                "not a whole number"},
        BadCase{"length as text", kHeader + "\n{\"type\":\"event\",\"length\":\"2\"}\n{}\n", "items[0]",
                "not a whole number"},
        BadCase{"fractional length", kHeader + "\n{\"type\":\"event\",\"length\":2.5}\n{}\n", "items[0]",
                "not a whole number"},
        BadCase{"truncated body", kHeader + "\n{\"type\":\"event\",\"length\":500}\n{\"message\":\"m\"}\n",
                "items[0]", "length is 500 bytes, but the body ends 16 bytes after its header (truncated)"},
        BadCase{"truncated second item",
                kHeader + "\n{\"type\":\"session\"}\n{}\n{\"type\":\"attachment\",\"length\":10}\nabc", "items[1]",
                "truncated"},
        BadCase{"length too short", kHeader + "\n{\"type\":\"event\",\"length\":5}\n{\"message\":\"m\"}\n",
                "items[0]", "not followed by a newline"},
        BadCase{"header line too long", "{\"x\":\"" + std::string(70'000, 'a') + "\"}\n", "envelope header",
                "longer than 65536 bytes"}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return n;
    });

TEST(Envelope, TooManyItemsAreRefused) {
  std::string body = kHeader + "\n";
  for (int i = 0; i < 5; ++i) body += "{\"type\":\"session\"}\n{}\n";
  EnvelopeLimits limits;
  limits.max_items = 4;
  auto env = parse_envelope(body, limits);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.errors()[0].field, "items[4]");
  limits.max_items = 5;
  EXPECT_TRUE(parse_envelope(body, limits).ok());
}

TEST(Envelope, AnOversizeItemIsFramedWholeForTheMappingToRefuse) {
  // Framing has no per-item limit of its own: the event mapping refuses items over 1 MiB.
  const std::string big(2u << 20, 'x');
  auto env = parse_envelope(kHeader + "\n{\"type\":\"event\",\"length\":" + std::to_string(big.size()) + "}\n" + big + "\n");
  ASSERT_TRUE(env.ok());
  ASSERT_EQ(env->items.size(), 1u);
  EXPECT_EQ(env->items[0].payload.size(), big.size());
}

}  // namespace
}  // namespace erralert::ingest
