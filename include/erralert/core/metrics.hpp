// Metrics: counters, gauges and histograms rendered in the Prometheus text format (CONTRACT.md
// section 7).
//
//   Metrics m;
//   std::uint64_t& received = m.counter("events_received_total", {{"transport", "http"}});
//   ++received;
//   m.histogram("delivery_seconds", {{"receiver", "ops"}}, kDeliveryBuckets).observe(0.12);
//   std::string text = m.render();   // "erralert_events_received_total{transport="http"} 1\n..."
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace erralert::core {

using Labels = std::vector<std::pair<std::string, std::string>>;

/// Observations counted under fixed upper bounds (cumulative when rendered), with their sum.
class Histogram {
 public:
  /// `bounds`: increasing, finite; +Inf is implied.
  explicit Histogram(std::span<const double> bounds);
  void observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  /// Observations at or below each bound (not cumulative), then those above the last.
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
};

/// Upper bounds for delivery_seconds: from a prompt answer to a delivery after a day of retries.
inline constexpr double kDeliveryBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1,  0.25,  0.5,  1,
                                              2.5,   5,    10,    30,   60,   300,   1800, 3600,
                                              21600, 86400};

/// A registry of metric series. Single-threaded by design: it lives on the io thread.
class Metrics {
 public:
  /// The counter for `name` and `labels`, created at 0; the reference stays valid.
  std::uint64_t& counter(std::string_view name, const Labels& labels = {});
  /// A gauge read when rendering; registering the same series again replaces the reader.
  void gauge(std::string_view name, const Labels& labels, std::function<double()> read);
  /// The histogram for `name` and `labels`, created empty with `bounds` (later calls for the
  /// same series return it as it is); the reference stays valid.
  Histogram& histogram(std::string_view name, const Labels& labels, std::span<const double> bounds);
  /// Declares a family's help text and type ("counter", "gauge", "histogram") for the output.
  void describe(std::string_view name, std::string_view type, std::string_view help);

  /// Every series, prefixed `erralert_`, grouped by family, in a stable order.
  std::string render() const;

 private:
  struct Family {
    std::string type = "counter";
    std::string help;
    std::map<std::string, std::uint64_t> counters;  // key: rendered label set
    std::map<std::string, std::function<double()>> gauges;
    std::map<std::string, Histogram> histograms;
  };
  std::map<std::string, Family, std::less<>> families_;
};

/// `{a="x",b="y"}` with label values escaped; empty for no labels.
std::string render_labels(const Labels& labels);

}  // namespace erralert::core
