// Fingerprints: stable, sensitive to every group_by value, overridable by the event.
#include "erralert/core/fingerprint.hpp"

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

Event event(std::string service, std::string code) {
  Event e;
  e.service = std::move(service);
  e.code = std::move(code);
  e.message = "m";
  return e;
}

const std::vector<std::string> kGroupBy = {"service", "code"};

TEST(Fingerprint, IsStableSixteenHexDigits) {
  const auto fp = fingerprint(event("api", "C001"), kGroupBy);
  EXPECT_EQ(fp.size(), 16u);
  EXPECT_EQ(fp.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(fp, fingerprint(event("api", "C001"), kGroupBy));
}

TEST(Fingerprint, EveryValueCounts) {
  EXPECT_NE(fingerprint(event("api", "C001"), kGroupBy), fingerprint(event("api", "C002"), kGroupBy));
  EXPECT_NE(fingerprint(event("ab", "c"), kGroupBy), fingerprint(event("a", "bc"), kGroupBy));
}

TEST(Fingerprint, FieldsOutsideGroupByDoNotCount) {
  auto a = event("api", "C001");
  auto b = a;
  b.message = "another message";
  b.request.path = "/v1/x";
  EXPECT_EQ(fingerprint(a, kGroupBy), fingerprint(b, kGroupBy));
}

TEST(Fingerprint, EventListOverridesGroupBy) {
  auto a = event("api", "C001");
  auto b = event("other", "C999");
  a.fingerprint = b.fingerprint = {"db", "down"};
  EXPECT_EQ(fingerprint(a, kGroupBy), fingerprint(b, kGroupBy));
  b.fingerprint = {"db", "up"};
  EXPECT_NE(fingerprint(a, kGroupBy), fingerprint(b, kGroupBy));
}

TEST(Fingerprint, DefaultPartAloneIsTheGroupByGroup) {
  auto a = event("api", "C001");
  const std::string by_fields = fingerprint(a, kGroupBy);
  for (const char* part : {"{{ default }}", "{{default}}", "  {{  default }} "}) {
    a.fingerprint = {part};
    EXPECT_EQ(fingerprint(a, kGroupBy), by_fields) << part;
  }
  EXPECT_TRUE(is_default_part("{{default}}"));
  EXPECT_FALSE(is_default_part("{{ transaction }}"));
  EXPECT_FALSE(is_default_part("default"));
}

TEST(Fingerprint, DefaultPartWithMoreSplitsEachGroupByGroup) {
  auto a = event("api", "C001");
  auto b = event("api", "C001");
  auto c = event("api", "C002");
  a.fingerprint = b.fingerprint = c.fingerprint = {"{{ default }}", "eu"};
  EXPECT_EQ(fingerprint(a, kGroupBy), fingerprint(b, kGroupBy)) << "same group_by values, same extra part";
  EXPECT_NE(fingerprint(a, kGroupBy), fingerprint(c, kGroupBy)) << "the group_by values still count";
  EXPECT_NE(fingerprint(a, kGroupBy), fingerprint(event("api", "C001"), kGroupBy)) << "the extra part counts";
  b.fingerprint = {"{{ default }}", "us"};
  EXPECT_NE(fingerprint(a, kGroupBy), fingerprint(b, kGroupBy));
  // Spelling out the group_by hash as text is not the same list.
  b.fingerprint = {fingerprint(event("api", "C001"), kGroupBy), "eu"};
  EXPECT_NE(fingerprint(a, kGroupBy), fingerprint(b, kGroupBy));
}

}  // namespace
}  // namespace erralert::core
