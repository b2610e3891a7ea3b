// RetrySchedule: outages, 429 storms and pacing driven by explicit times (no clock, no sleeps).
#include "erralert/core/retry_schedule.hpp"

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

using namespace std::chrono_literals;
using Step = RetrySchedule::Step;

const Decision kOk{Verdict::delivered, 0ms, "", "200"};
const Decision k502{Verdict::retry, 0ms, "server_error", "HTTP 502"};
const Decision k404{Verdict::disable, 0ms, "client_error", "webhook deleted (404)"};
const Decision k400{Verdict::permanent, 0ms, "client_error", "HTTP 400"};

Decision rate_limited(std::chrono::milliseconds wait) {
  return {Verdict::rate_limited, wait, "rate_limited", "HTTP 429"};
}

// Sends `head` whenever it is due, answering with `answers` in turn; returns the send times.
std::vector<std::int64_t> drive(RetrySchedule& s, Attempt& head, const std::vector<Decision>& answers,
                                std::int64_t now, double jitter, Step* last = nullptr) {
  std::vector<std::int64_t> times;
  for (const auto& d : answers) {
    now = s.due(head, now);
    s.sent(now);
    times.push_back(now);
    const Step step = s.after(head, d, std::nullopt, now, jitter);
    if (last) *last = step;
    if (step != Step::again) break;
  }
  return times;
}

TEST(RetrySchedule, ThreeBadGatewaysThenSuccessBackOffExponentially) {
  RetrySchedule s({}, {1s, 5min, 24h});
  Attempt head{.created_ms = 1000};
  Step last{};
  // jitter 0.999…: each wait is just under initial * 2^n ("equal jitter" keeps half fixed).
  auto t = drive(s, head, {k502, k502, k502, kOk}, 1000, 0.999, &last);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(last, Step::done);
  EXPECT_EQ(head.failures, 3u);
  EXPECT_NEAR(t[1] - t[0], 1000, 1);
  EXPECT_NEAR(t[2] - t[1], 2000, 2);
  EXPECT_NEAR(t[3] - t[2], 4000, 4);
}

TEST(RetrySchedule, JitterKeepsHalfTheWaitFixed) {
  RetrySchedule s({}, {1s, 5min, 24h});
  Attempt head{.created_ms = 0};
  auto t = drive(s, head, {k502, kOk}, 0, 0.0);
  EXPECT_EQ(t[1] - t[0], 500);
}

TEST(RetrySchedule, BackoffIsCappedAndGivesUpAfterADay) {
  RetrySchedule s({}, {1s, 5min, 24h});
  Attempt head{.created_ms = 0};
  std::int64_t now = 0;
  std::int64_t longest = 0, previous = 0;
  Step step = Step::again;
  unsigned sends = 0;
  while (step == Step::again) {
    now = s.due(head, now);
    s.sent(now);
    ++sends;
    longest = std::max(longest, now - previous);
    previous = now;
    std::string reason;
    step = s.after(head, k502, std::nullopt, now, 0.999, &reason);
    if (step == Step::dead) {
      EXPECT_NE(reason.find("gave up"), std::string::npos) << reason;
    }
    ASSERT_LT(sends, 1000u) << "a day of 5-minute retries is under 300 attempts";
  }
  EXPECT_EQ(step, Step::dead);
  EXPECT_GE(now, 24 * 3600 * 1000LL);
  EXPECT_LT(now, 24 * 3600 * 1000LL + 5 * 60 * 1000LL);
  EXPECT_LE(longest, 5 * 60 * 1000);
  EXPECT_GT(sends, 280u);
}

TEST(RetrySchedule, ReceiverBackAfterLongOutageDeliversWithoutGivingUp) {
  RetrySchedule s({}, {1s, 5min, 24h});
  Attempt head{.created_ms = 0};
  std::int64_t now = 0;
  // Down for six hours of simulated time, then back.
  Step step = Step::again;
  while (true) {
    now = s.due(head, now);
    s.sent(now);
    step = s.after(head, now < 6 * 3600 * 1000LL ? k502 : kOk, std::nullopt, now, 0.5);
    if (step != Step::again) break;
  }
  EXPECT_EQ(step, Step::done);
  EXPECT_LT(now, 6 * 3600 * 1000LL + 5 * 60 * 1000LL) << "retries within max of the recovery";
}

TEST(RetrySchedule, RateLimitHoldsTheWholeReceiverAndIsNotAFailure) {
  RetrySchedule s({}, {1s, 5min, 24h});
  Attempt head{.created_ms = 0};
  s.sent(0);
  EXPECT_EQ(s.after(head, rate_limited(2500ms), std::nullopt, 0, 0.5), Step::again);
  EXPECT_EQ(head.failures, 0u);
  EXPECT_EQ(s.due(head, 0), 2500);
  Attempt next{.created_ms = 0};  // the notification behind it waits too
  EXPECT_EQ(s.due(next, 100), 2500);
}

TEST(RetrySchedule, StormOf429sIsPacedByTheirWaitsAndBounded) {
  RetrySchedule s({{5, 2s}, {30, 1min}}, {1s, 5min, 24h});
  Attempt head{.created_ms = 0};
  std::int64_t now = 0;
  int sends = 0;
  while (now < 10 * 60 * 1000) {  // ten minutes of 429s saying "wait 1 s"
    now = s.due(head, now);
    s.sent(now);
    ++sends;
    ASSERT_EQ(s.after(head, rate_limited(1s), std::nullopt, now, 0.5), Step::again);
  }
  EXPECT_LE(sends, 10 * 30 + 1) << "never above Discord's 30 per minute";
}

TEST(RetrySchedule, ExhaustedBucketHoldsTheNextSend) {
  RetrySchedule s({}, {1s, 5min, 24h});
  Attempt head{.created_ms = 0};
  s.sent(0);
  EXPECT_EQ(s.after(head, kOk, 750ms, 0, 0.5), Step::done);
  Attempt next{.created_ms = 0};
  EXPECT_EQ(s.due(next, 10), 750);
}

TEST(RetrySchedule, PermanentAnswersDeadLetterAndA404Disables) {
  RetrySchedule s({}, {1s, 5min, 24h});
  Attempt head{.created_ms = 0};
  std::string reason;
  EXPECT_EQ(s.after(head, k400, std::nullopt, 0, 0.5, &reason), Step::dead);
  EXPECT_EQ(reason, "HTTP 400");
  EXPECT_EQ(s.after(head, k404, std::nullopt, 0, 0.5, &reason), Step::disable);
  EXPECT_EQ(reason, "webhook deleted (404)");
}

TEST(RetrySchedule, PacingWindowsBoundTheSendRate) {
  RetrySchedule s({{1, 1s}}, {1s, 5min, 24h});  // Slack's default
  Attempt a{.created_ms = 0};
  EXPECT_EQ(s.due(a, 0), 0);
  s.sent(0);
  EXPECT_EQ(s.after(a, kOk, std::nullopt, 0, 0.5), Step::done);
  Attempt b{.created_ms = 0};
  EXPECT_EQ(s.due(b, 10), 1000);
}

}  // namespace
}  // namespace erralert::core
