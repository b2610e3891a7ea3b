// Pacer: sliding windows and platform holds, driven by explicit times (no clock, no sleeps).
#include "erralert/core/pacer.hpp"

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

using namespace std::chrono_literals;

TEST(Pacer, UnpacedAllowsAtOnce) {
  Pacer p;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(p.next_allowed(100), 100);
    p.record(100);
  }
}

TEST(Pacer, DiscordDefaultsFivePerTwoSecondsThirtyPerMinute) {
  Pacer p({{5, 2s}, {30, 1min}});  // Discord's defaults
  std::int64_t now = 0;
  std::vector<std::int64_t> sent;
  // Send as fast as the pacer allows for 70 seconds of simulated time.
  while (now < 70'000) {
    now = p.next_allowed(now);
    if (now >= 70'000) break;
    p.record(now);
    sent.push_back(now);
  }
  // No span of 2 s holds more than 5, no span of 60 s more than 30.
  for (std::size_t i = 0; i < sent.size(); ++i) {
    std::size_t in2 = 0, in60 = 0;
    for (std::size_t j = i; j < sent.size(); ++j) {
      if (sent[j] - sent[i] < 2000) ++in2;
      if (sent[j] - sent[i] < 60000) ++in60;
    }
    EXPECT_LE(in2, 5u) << "at " << sent[i];
    EXPECT_LE(in60, 30u) << "at " << sent[i];
  }
  // And it is not slower than it must be: 30 in the first minute, then more after it.
  EXPECT_EQ(std::count_if(sent.begin(), sent.end(), [](auto t) { return t < 60'000; }), 30);
  EXPECT_GT(sent.size(), 30u);
  EXPECT_EQ(sent[5], 2000);  // the sixth waits for the first to leave the 2 s window
}

TEST(Pacer, SlackOnePerSecond) {
  Pacer p({{1, 1s}});  // Slack's default
  p.record(1000);
  EXPECT_EQ(p.next_allowed(1000), 2000);
  EXPECT_EQ(p.next_allowed(1500), 2000);
  EXPECT_EQ(p.next_allowed(2000), 2000);
}

TEST(Pacer, HoldUntilDelaysEvenUnpaced) {
  Pacer p;
  p.hold_until(5000);
  EXPECT_EQ(p.next_allowed(1000), 5000);
  EXPECT_EQ(p.next_allowed(6000), 6000);
  p.hold_until(3000);  // an earlier hold never shortens a later one
  EXPECT_EQ(p.next_allowed(4000), 5000 > 4000 ? 6000 - 1000 : 0);
}

TEST(Pacer, ClockSteppingBackStaysSafe) {
  Pacer p({{2, 1s}});
  p.record(10'000);
  p.record(9'000);  // wall clock stepped back
  EXPECT_GE(p.next_allowed(9'000), 10'000);
}

TEST(Pacer, ZeroWindowsAreIgnored) {
  Pacer p({{0, 1s}, {5, 0ms}});
  p.record(0);
  EXPECT_EQ(p.next_allowed(0), 0);
}

TEST(Pacer, ProjectedSaysWhenTheNthWaitingRequestCouldGo) {
  // Discord's pace from an empty history: five in the first 2 s, then one every 400 ms on
  // average until the minute's 30 are used, then the next minute.
  Pacer p({{5, 2s}, {30, 1min}});
  EXPECT_EQ(p.projected(0, 0, INT64_MAX), 0) << "the next one goes at once";
  EXPECT_EQ(p.projected(0, 4, INT64_MAX), 0) << "five fit in the first instant";
  EXPECT_EQ(p.projected(0, 5, INT64_MAX), 2000);
  EXPECT_EQ(p.projected(0, 29, INT64_MAX), 10000);
  EXPECT_EQ(p.projected(0, 30, INT64_MAX), 60000) << "the 31st waits for the minute";
  EXPECT_LE(p.projected(0, 10'000, 30'000), 60'000) << "stops soon after the bound instead of walking 10,000";
  EXPECT_GT(p.projected(0, 10'000, 30'000), 30'000);
  EXPECT_EQ(p.next_allowed(0), 0) << "a projection records nothing";
  EXPECT_EQ(Pacer().projected(7, 1'000'000, INT64_MAX), 7) << "unpaced: all go with the first";
}

}  // namespace
}  // namespace erralert::core
