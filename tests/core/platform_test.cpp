// The platform table: each receiver type's default pace, renderer, query and "webhook gone" rule.
#include "erralert/core/platform.hpp"

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

using namespace std::chrono_literals;

TEST(Platform, EveryTypeOfTheContractIsARowAndNoOtherIs) {
  for (std::string_view type : {"discord", "slack", "webhook", "console"}) {
    const PlatformInfo* p = find_platform(type);
    ASSERT_NE(p, nullptr) << type;
    EXPECT_EQ(p->type, type);
    EXPECT_EQ(&platform_info(p->platform), p);
  }
  EXPECT_EQ(find_platform("teams"), nullptr);
  EXPECT_EQ(find_platform("Discord"), nullptr) << "types are exact";
  EXPECT_EQ(platforms().size(), 4u);
}

TEST(Platform, DefaultPaceIsThePlatformsPublishedLimit) {
  const auto discord = find_platform("discord")->default_pace();
  ASSERT_EQ(discord.size(), 2u);
  EXPECT_EQ(discord[0].count, 5u);
  EXPECT_EQ(discord[0].per, 2s);
  EXPECT_EQ(discord[1].count, 30u);
  EXPECT_EQ(discord[1].per, 1min);
  const auto slack = find_platform("slack")->default_pace();
  ASSERT_EQ(slack.size(), 1u);
  EXPECT_EQ(slack[0].count, 1u);
  EXPECT_EQ(slack[0].per, 1s);
  EXPECT_TRUE(find_platform("webhook")->default_pace().empty());
  EXPECT_TRUE(find_platform("console")->default_pace().empty());
}

TEST(Platform, WhatSaysTheWebhookIsGone) {
  struct Case {
    std::string_view type;
    int status;
    bool gone;
  };
  const Case cases[] = {
      {"discord", 404, true}, {"discord", 401, true}, {"discord", 403, true}, {"discord", 400, false},
      {"discord", 410, false}, {"slack", 404, true},  {"slack", 410, true},   {"slack", 403, true},
      {"slack", 400, false},  {"webhook", 404, false}, {"webhook", 410, false},
  };
  for (const auto& c : cases) EXPECT_EQ(find_platform(c.type)->gone(c.status), c.gone) << c.type << " " << c.status;
}

TEST(Platform, OnlyConsoleWritesWithoutAUrl) {
  EXPECT_FALSE(find_platform("console")->takes_url());
  for (std::string_view type : {"discord", "slack", "webhook"}) EXPECT_TRUE(find_platform(type)->takes_url()) << type;
  EXPECT_EQ(find_platform("discord")->extra_query, "wait=true");
  EXPECT_EQ(find_platform("slack")->extra_query, "");
}

}  // namespace
}  // namespace erralert::core
