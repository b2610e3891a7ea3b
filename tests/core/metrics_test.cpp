// Metrics rendering in the Prometheus text format.
#include "erralert/core/metrics.hpp"

#include <algorithm>
#include <iterator>

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

TEST(Metrics, CountersRenderWithPrefixHelpTypeAndLabels) {
  Metrics m;
  m.describe("events_received_total", "counter", "Events received, by transport.");
  ++m.counter("events_received_total", {{"transport", "http"}});
  m.counter("events_received_total", {{"transport", "unix"}}) += 3;
  EXPECT_EQ(m.render(),
            "# HELP erralert_events_received_total Events received, by transport.\n"
            "# TYPE erralert_events_received_total counter\n"
            "erralert_events_received_total{transport=\"http\"} 1\n"
            "erralert_events_received_total{transport=\"unix\"} 3\n");
}

TEST(Metrics, CounterReferencesStayValid) {
  Metrics m;
  auto& a = m.counter("a_total");
  for (int i = 0; i < 100; ++i) m.counter("b_total", {{"i", std::to_string(i)}});
  ++a;
  EXPECT_EQ(m.counter("a_total"), 1u);
}

TEST(Metrics, GaugesAreReadAtRenderTime) {
  Metrics m;
  double depth = 2;
  m.gauge("queue_depth", {{"receiver", "ops"}}, [&] { return depth; });
  depth = 7.5;
  EXPECT_EQ(m.render(), "# TYPE erralert_queue_depth gauge\nerralert_queue_depth{receiver=\"ops\"} 7.5\n");
}

TEST(Metrics, HistogramsRenderCumulativeBucketsSumAndCount) {
  Metrics m;
  m.describe("delivery_seconds", "histogram", "Seconds to deliver.");
  constexpr double bounds[] = {0.1, 1, 2.5};
  Histogram& h = m.histogram("delivery_seconds", {{"receiver", "ops"}}, bounds);
  h.observe(0.05);
  h.observe(0.1);  // a bound holds what equals it
  h.observe(2);
  h.observe(7);    // past the last bound: +Inf only
  EXPECT_EQ(&m.histogram("delivery_seconds", {{"receiver", "ops"}}, bounds), &h);
  EXPECT_EQ(m.render(),
            "# HELP erralert_delivery_seconds Seconds to deliver.\n"
            "# TYPE erralert_delivery_seconds histogram\n"
            "erralert_delivery_seconds_bucket{receiver=\"ops\",le=\"0.1\"} 2\n"
            "erralert_delivery_seconds_bucket{receiver=\"ops\",le=\"1\"} 2\n"
            "erralert_delivery_seconds_bucket{receiver=\"ops\",le=\"2.5\"} 3\n"
            "erralert_delivery_seconds_bucket{receiver=\"ops\",le=\"+Inf\"} 4\n"
            "erralert_delivery_seconds_sum{receiver=\"ops\"} 9.15\n"
            "erralert_delivery_seconds_count{receiver=\"ops\"} 4\n");
}

TEST(Metrics, HistogramWithoutLabelsGetsLeAlone) {
  Metrics m;
  constexpr double bounds[] = {1};
  m.histogram("x_seconds", {}, bounds).observe(0.5);
  EXPECT_EQ(m.render(),
            "# TYPE erralert_x_seconds histogram\n"
            "erralert_x_seconds_bucket{le=\"1\"} 1\n"
            "erralert_x_seconds_bucket{le=\"+Inf\"} 1\n"
            "erralert_x_seconds_sum 0.5\n"
            "erralert_x_seconds_count 1\n");
}

TEST(Metrics, DeliveryBucketsStrictlyIncrease) {
  // is_sorted with <= fails on a bound that repeats, not only on one that goes down.
  EXPECT_TRUE(std::is_sorted(std::begin(kDeliveryBuckets), std::end(kDeliveryBuckets),
                             [](double a, double b) { return a <= b; }));
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(render_labels({{"r", "a\"b\\c\nd"}}), "{r=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(render_labels({}), "");
}

}  // namespace
}  // namespace erralert::core
