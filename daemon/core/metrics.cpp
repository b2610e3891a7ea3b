// Metrics registry and its Prometheus text rendering.
#include "erralert/core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace erralert::core {
namespace {

void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", v);
  }
  return buf;
}

// A rendered label set with one more label: `{a="x"}` + le -> `{a="x",le="0.5"}`.
std::string with_label(const std::string& labels, std::string_view name, std::string_view value) {
  std::string out = labels.empty() ? std::string("{") : labels.substr(0, labels.size() - 1) + ",";
  out += name;
  out += "=\"";
  out += value;
  out += "\"}";
  return out;
}

void render_histogram(std::string& out, const std::string& full, const std::string& labels,
                      const Histogram& h) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.counts().size(); ++i) {
    cumulative += h.counts()[i];
    const std::string le = i < h.bounds().size() ? format_value(h.bounds()[i]) : "+Inf";
    out += full + "_bucket" + with_label(labels, "le", le) + " " + std::to_string(cumulative) + "\n";
  }
  out += full + "_sum" + labels + " " + format_value(h.sum()) + "\n";
  out += full + "_count" + labels + " " + std::to_string(cumulative) + "\n";
}

}  // namespace

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()), counts_(bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
  // The first bound at or above the value ("le"); past the last one, the +Inf bucket.
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  ++counts_[static_cast<std::size_t>(at - bounds_.begin())];
  sum_ += value;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first;
    out += "=\"";
    append_escaped(out, labels[i].second);
    out += '"';
  }
  out += '}';
  return out;
}

std::uint64_t& Metrics::counter(std::string_view name, const Labels& labels) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{}).first;
  return it->second.counters[render_labels(labels)];
}

void Metrics::gauge(std::string_view name, const Labels& labels, std::function<double()> read) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{"gauge", {}, {}, {}, {}}).first;
  it->second.gauges[render_labels(labels)] = std::move(read);
}

Histogram& Metrics::histogram(std::string_view name, const Labels& labels,
                              std::span<const double> bounds) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{"histogram", {}, {}, {}, {}}).first;
  return it->second.histograms.try_emplace(render_labels(labels), bounds).first->second;
}

void Metrics::describe(std::string_view name, std::string_view type, std::string_view help) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{}).first;
  it->second.type = type;
  it->second.help = help;
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);
  for (const auto& [name, family] : families_) {
    const std::string full = "erralert_" + name;
    if (!family.help.empty()) out += "# HELP " + full + " " + family.help + "\n";
    out += "# TYPE " + full + " " + family.type + "\n";
    for (const auto& [labels, value] : family.counters) {
      out += full + labels + " " + std::to_string(value) + "\n";
    }
    for (const auto& [labels, read] : family.gauges) {
      out += full + labels + " " + format_value(read()) + "\n";
    }
    for (const auto& [labels, h] : family.histograms) render_histogram(out, full, labels, h);
  }
  return out;
}

}  // namespace erralert::core
