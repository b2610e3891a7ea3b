// Delivery policy: platform answers to verdicts, 429 waits, backoff with jitter.
#include "erralert/core/delivery_policy.hpp"

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

using std::chrono::milliseconds;

TEST(DeliveryPolicy, VerdictTable) {
  const struct {
    Platform platform;
    int status;
    std::string body;
    Verdict verdict;
    std::string reason;
  } cases[] = {
      {Platform::discord, 204, "", Verdict::delivered, ""},
      {Platform::discord, 200, R"({"id":"1"})", Verdict::delivered, ""},
      {Platform::slack, 200, "ok", Verdict::delivered, ""},
      {Platform::discord, 429, R"({"retry_after":0.5})", Verdict::rate_limited, "rate_limited"},
      {Platform::discord, 500, "", Verdict::retry, "server_error"},
      {Platform::discord, 502, "<html>Bad Gateway</html>", Verdict::retry, "server_error"},
      {Platform::slack, 503, "", Verdict::retry, "server_error"},
      {Platform::webhook, 408, "", Verdict::retry, "server_error"},
      {Platform::discord, 400, R"({"code":50035,"message":"Invalid Form Body"})", Verdict::permanent, "client_error"},
      {Platform::slack, 400, "invalid_payload", Verdict::permanent, "client_error"},
      {Platform::slack, 400, "no_text", Verdict::permanent, "client_error"},
      {Platform::discord, 404, R"({"message":"Unknown Webhook","code":10015})", Verdict::disable, "client_error"},
      {Platform::discord, 401, R"({"message":"Invalid Webhook Token","code":50027})", Verdict::disable, "auth_error"},
      {Platform::slack, 404, "no_service", Verdict::disable, "client_error"},
      {Platform::slack, 410, "channel_is_archived", Verdict::disable, "client_error"},
      {Platform::webhook, 404, "", Verdict::permanent, "client_error"},
      {Platform::webhook, 401, "", Verdict::permanent, "auth_error"},
      {Platform::webhook, 302, "", Verdict::retry, "server_error"},
  };
  for (const auto& c : cases) {
    const auto d = classify_answer(c.platform, {c.status, {}, c.body});
    EXPECT_EQ(d.verdict, c.verdict) << c.status << " " << c.body;
    EXPECT_EQ(d.reason, c.reason) << c.status << " " << c.body;
  }
}

TEST(DeliveryPolicy, DetailSaysStatusAndPlatformMessage) {
  auto d = classify_answer(Platform::discord, {404, {}, R"({"message":"Unknown Webhook","code":10015})"});
  EXPECT_EQ(d.detail, "HTTP 404: Unknown Webhook");
  d = classify_answer(Platform::slack, {400, {}, "invalid_payload\n"});
  EXPECT_EQ(d.detail, "HTTP 400: invalid_payload");
}

TEST(DeliveryPolicy, RateLimitWaitTable) {
  const struct {
    std::map<std::string, std::string> headers;
    std::string body;
    long long ms;
  } cases[] = {
      {{{"retry-after", "2"}}, "", 2000},
      {{{"retry-after", "2"}}, R"({"retry_after":0.5,"global":false})", 500},  // the body is finer
      {{}, R"({"retry_after":1.234})", 1234},
      {{{"retry-after", "0"}}, "", 1000},       // zero would spin: 1 s
      {{{"retry-after", "-5"}}, "", 1000},
      {{{"retry-after", "soon"}}, "", 1000},
      {{{"retry-after", "900"}}, "", 900000},   // 15 min is the ceiling
      {{{"retry-after", "1500"}}, "", 1500},    // milliseconds mistaken for seconds
      {{{"retry-after", "100000000"}}, "", 900000},
      {{}, R"({"retry_after":"NaN"})", 1000},
      {{{"x-ratelimit-reset-after", "0.75"}}, "", 750},
      {{}, "", 1000},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(rate_limit_wait({429, c.headers, c.body}).count(), c.ms) << c.body;
  }
}

TEST(DeliveryPolicy, BackoffDoublesToTheCapWithEqualJitter) {
  const BackoffPolicy p;  // 1 s .. 5 min
  EXPECT_EQ(backoff_delay(0, p, 0.0), milliseconds(500));
  EXPECT_EQ(backoff_delay(0, p, 0.999999), milliseconds(999));
  EXPECT_EQ(backoff_delay(1, p, 0.0), milliseconds(1000));
  EXPECT_EQ(backoff_delay(3, p, 1.0), milliseconds(8000));
  EXPECT_EQ(backoff_delay(8, p, 1.0), milliseconds(256000));
  EXPECT_EQ(backoff_delay(9, p, 1.0), milliseconds(300000));
  EXPECT_EQ(backoff_delay(1000, p, 1.0), milliseconds(300000));
  EXPECT_EQ(backoff_delay(1000, p, 0.0), milliseconds(150000));
}

TEST(DeliveryPolicy, RetriesUntilGiveUpAfterTwentyFourHours) {
  // Simulate a receiver down for a day with an injected timeline: the attempts stay spaced by
  // the backoff and the count is what 24 h of capped backoff allows.
  const BackoffPolicy p;
  std::int64_t t = 0;
  unsigned attempts = 0;
  while (t < p.give_up_after.count()) {
    t += backoff_delay(attempts++, p, 0.5).count();
  }
  // 1 s .. 5 min doubling, then every 3.75 min (5 min at jitter 0.5 is 3.75 min) for 24 h.
  EXPECT_GT(attempts, 370u);
  EXPECT_LT(attempts, 400u);
}

TEST(DeliveryPolicy, BucketExhaustedHint) {
  EXPECT_EQ(bucket_exhausted_wait({204, {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset-after", "1.5"}}, ""}),
            milliseconds(1500));
  EXPECT_FALSE(bucket_exhausted_wait({204, {{"x-ratelimit-remaining", "3"}, {"x-ratelimit-reset-after", "1.5"}}, ""}));
  EXPECT_FALSE(bucket_exhausted_wait({204, {}, ""}));
}

TEST(DeliveryPolicy, FailuresRetry) {
  EXPECT_EQ(classify_failure(Failure::timeout, "timed out").reason, "timeout");
  EXPECT_EQ(classify_failure(Failure::network, "refused").verdict, Verdict::retry);
  EXPECT_EQ(classify_failure(Failure::tls, "bad cert").reason, "network");
}

}  // namespace
}  // namespace erralert::core
