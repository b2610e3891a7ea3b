// Metrics: counters and gauges rendered in the Prometheus text format (CONTRACT.md section 7).
//
//   Metrics m;
//   std::uint64_t& received = m.counter("events_received_total", {{"transport", "http"}});
//   ++received;
//   std::string text = m.render();   // "erralert_events_received_total{transport="http"} 1\n"
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace erralert::core {

using Labels = std::vector<std::pair<std::string, std::string>>;

/// A registry of metric series. Single-threaded by design: it lives on the io thread.
class Metrics {
 public:
  /// The counter for `name` and `labels`, created at 0; the reference stays valid.
  std::uint64_t& counter(std::string_view name, const Labels& labels = {});
  /// A gauge read when rendering; registering the same series again replaces the reader.
  void gauge(std::string_view name, const Labels& labels, std::function<double()> read);
  /// Declares a family's help text and type ("counter", "gauge") for the rendered output.
  void describe(std::string_view name, std::string_view type, std::string_view help);

  /// Every series, prefixed `erralert_`, grouped by family, in a stable order.
  std::string render() const;

 private:
  struct Family {
    std::string type = "counter";
    std::string help;
    std::map<std::string, std::uint64_t> counters;  // key: rendered label set
    std::map<std::string, std::function<double()>> gauges;
  };
  std::map<std::string, Family, std::less<>> families_;
};

/// `{a="x",b="y"}` with label values escaped; empty for no labels.
std::string render_labels(const Labels& labels);

}  // namespace erralert::core
