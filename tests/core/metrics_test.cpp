// Metrics rendering in the Prometheus text format.
#include "erralert/core/metrics.hpp"

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

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(render_labels({{"r", "a\"b\\c\nd"}}), "{r=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(render_labels({}), "");
}

}  // namespace
}  // namespace erralert::core
