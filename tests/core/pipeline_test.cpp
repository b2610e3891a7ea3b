// Pipeline: silence, route (order, continue, unrouted), redact and fingerprint, from a parsed config.
#include "erralert/core/pipeline.hpp"

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

config::Config config_of(const std::string& yaml) {
  return config::parse_config(yaml, "t.yaml", [](const std::string&) { return std::nullopt; });
}

Event event(std::string service, int status) {
  Event e;
  e.service = std::move(service);
  e.status = status;
  e.code = "E1";
  e.message = "boom";
  e.timestamp_ms = 1000;
  e.request.method = "POST";
  e.request.path = e.request.route = "/v1/pay";
  return e;
}

const std::string kReceivers = R"(
receivers:
  - {name: a, type: console}
  - {name: b, type: console}
)";

const SilenceSet kNoSilences;

TEST(Pipeline, WithoutRoutesEveryReceiverGetsTheEventOnceShared) {
  Pipeline p(config_of(kReceivers));
  auto out = p.process(event("api", 502), kNoSilences, 5000);
  EXPECT_EQ(out.fate, Pipeline::Fate::routed);
  ASSERT_EQ(out.deliveries.size(), 2u);
  EXPECT_EQ(out.deliveries[0].receiver, "a");
  EXPECT_EQ(out.deliveries[1].receiver, "b");
  EXPECT_EQ(out.deliveries[0].fingerprint, out.deliveries[1].fingerprint);
  EXPECT_EQ(out.deliveries[0].event, out.deliveries[1].event) << "one redacted event, shared, not copied";
  EXPECT_EQ(out.deliveries[0].event->service, "api");
}

TEST(Pipeline, FirstMatchingRouteWinsUnlessItContinues) {
  Pipeline p(config_of(kReceivers + R"(
routes:
  - {name: pay, match: {service: "pay-*"}, receivers: [a], continue: true}
  - {name: fivexx, match: {status: 5xx}, receivers: [b]}
  - {name: rest, receivers: [a]}
)"));
  auto both = p.process(event("pay-api", 502), kNoSilences, 0);
  ASSERT_EQ(both.deliveries.size(), 2u);
  EXPECT_EQ(both.deliveries[0].route->name, "pay");
  EXPECT_EQ(both.deliveries[1].route->name, "fivexx");

  auto one = p.process(event("search", 503), kNoSilences, 0);
  ASSERT_EQ(one.deliveries.size(), 1u);
  EXPECT_EQ(one.deliveries[0].route->name, "fivexx");

  auto rest = p.process(event("search", 404), kNoSilences, 0);
  ASSERT_EQ(rest.deliveries.size(), 1u);
  EXPECT_EQ(rest.deliveries[0].route->name, "rest");
}

TEST(Pipeline, EventNoRouteMatchesIsUnrouted) {
  Pipeline p(config_of(kReceivers + R"(
routes:
  - {name: only-5xx, match: {status: 5xx}, receivers: [a]}
)"));
  auto out = p.process(event("api", 404), kNoSilences, 0);
  EXPECT_EQ(out.fate, Pipeline::Fate::unrouted);
  EXPECT_TRUE(out.deliveries.empty());
}

TEST(Pipeline, SilenceAppliesUntilItsEnd) {
  const auto cfg = config_of(kReceivers + R"(
silences:
  - {match: {service: legacy-batch}, until: "1970-01-01T00:00:10Z"}
)");
  Pipeline p(cfg);
  const SilenceSet silences(cfg.silences);
  EXPECT_EQ(p.process(event("legacy-batch", 500), silences, 9'999).fate, Pipeline::Fate::silenced);
  EXPECT_EQ(p.process(event("legacy-batch", 500), silences, 10'000).fate, Pipeline::Fate::routed);
  EXPECT_EQ(p.process(event("other", 500), silences, 0).fate, Pipeline::Fate::routed);
}

TEST(Pipeline, RoutesSeeTheEventReceiversOnlyItsRedactedForm) {
  Pipeline p(config_of(kReceivers + R"(
routes:
  - {name: by-param, match: {request.params.card_no: "4111*"}, receivers: [a]}
redact:
  keys: [card_no]
  patterns: ['\b\d{6}-\d{7}\b']
)"));
  Event e = event("api", 500);
  e.request.params = {{"card_no", "4111111111111111"}, {"password", "hunter2"}, {"user", "kim"}};
  e.request.headers = {{"Authorization", "Bearer abc.def"}};
  e.message = "resident number 900101-1234567 rejected";
  auto out = p.process(std::move(e), kNoSilences, 0);
  ASSERT_EQ(out.deliveries.size(), 1u) << "the route matched the value before redaction";
  const Event& sent = *out.deliveries[0].event;
  EXPECT_EQ(sent.request.params["card_no"], "[redacted]");
  EXPECT_EQ(sent.request.params["password"], "[redacted]");
  EXPECT_EQ(sent.request.params["user"], "kim");
  EXPECT_EQ(sent.request.headers["Authorization"], "[redacted]");
  EXPECT_EQ(sent.message.find("1234567"), std::string::npos) << sent.message;
}

TEST(Pipeline, GroupByDecidesTheFingerprint) {
  Pipeline p(config_of(kReceivers + R"(
routes:
  - {name: r, receivers: [a], group_by: [service, code]}
)"));
  Event x = event("api", 500), y = event("api", 502), z = event("api", 500);
  z.code = "E2";
  const auto fx = p.process(Event(x), kNoSilences, 0).deliveries[0].fingerprint;
  const auto fy = p.process(Event(y), kNoSilences, 0).deliveries[0].fingerprint;
  const auto fz = p.process(Event(z), kNoSilences, 0).deliveries[0].fingerprint;
  EXPECT_EQ(fx, fy) << "status is not in group_by";
  EXPECT_NE(fx, fz);
}

}  // namespace
}  // namespace erralert::core
