// Console lines: fields in a fixed order, values quoted only when they must be, and nothing in
// event text can break the line in two.
#include "erralert/core/render_console.hpp"

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

Notification one(Event e) {
  Notification n;
  n.receiver = "console";
  n.route = "default";
  n.groups.push_back({"1f0c2d3e4f5a6b7c", 1, e.timestamp_ms, e.timestamp_ms, std::make_shared<const Event>(std::move(e))});
  return n;
}

Event seed() {
  Event e;
  e.timestamp_ms = 1795322986000;
  e.service = "payment-api";
  e.environment = "prod";
  e.host = "web-3";
  e.status = 502;
  e.code = "FEP-SEC-01001";
  e.message = "open AI 연동 오류 : /embeddings";
  e.request.method = "POST";
  e.request.route = "/v1/users/{id}/embeddings";
  e.trace_id = "4bf92f3577b34da6";
  return e;
}

TEST(RenderConsole, SeedEventInFieldOrder) {
  EXPECT_EQ(render_console(one(seed())),
            "2026-11-22T04:49:46Z ERROR payment-api env=prod method=POST route=/v1/users/{id}/embeddings "
            "status=502 code=FEP-SEC-01001 message=\"open AI 연동 오류 : /embeddings\" count=1 kind=first "
            "trace=4bf92f3577b34da6 host=web-3 fingerprint=1f0c2d3e4f5a6b7c");
}

TEST(RenderConsole, AStaleAppTimeIsShownBesideTheReceiptTime) {
  Event e = seed();
  e.app_timestamp_ms = 1671684586123;
  const std::string line = render_console(one(std::move(e)));
  EXPECT_TRUE(line.starts_with("2026-11-22T04:49:46Z ERROR")) << line;
  EXPECT_NE(line.find(" app_time=2022-12-22T04:49:46.123Z trace="), std::string::npos) << line;
}

TEST(RenderConsole, EscapesWhatCouldForgeALine) {
  Event e = seed();
  e.message = "line one\nERROR forged \"quoted\" back\\slash\ttab\x7f";
  e.service = "two words";
  e.code = "";
  e.status = 0;
  const std::string line = render_console(one(std::move(e)));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find(R"(message="line one\x0aERROR forged \"quoted\" back\\slash\x09tab\x7f")"), std::string::npos)
      << line;
  EXPECT_NE(line.find(R"( ERROR "two words" env=prod)"), std::string::npos) << line;
  EXPECT_EQ(line.find("status="), std::string::npos);  // absent fields are left out
  EXPECT_EQ(line.find("code="), std::string::npos);
}

TEST(RenderConsole, LongMessagesAreCutOnACharacter) {
  Event e = seed();
  e.message.clear();
  for (int i = 0; i < 400; ++i) e.message += "오";
  const std::string line = render_console(one(std::move(e)));
  const std::size_t start = line.find("message=\"") + 9;
  const std::string shown = line.substr(start, line.find('"', start) - start);
  EXPECT_EQ(shown.size(), 299u * 3 + 3);  // 299 characters and "…"
  EXPECT_EQ(shown.substr(shown.size() - 3), "\xE2\x80\xA6");
}

TEST(RenderConsole, DigestSaysHowMuchMoreItHolds) {
  Notification n = one(seed());
  n.kind = NotificationKind::digest;
  n.groups.push_back(n.groups.front());
  n.groups[1].count = 4;
  n.other_groups = 3;
  n.other_count = 10;
  const std::string line = render_console(n);
  EXPECT_NE(line.find("kind=digest"), std::string::npos) << line;
  EXPECT_NE(line.find(" more_groups=4 total=15"), std::string::npos) << line;
}

}  // namespace
}  // namespace erralert::core
