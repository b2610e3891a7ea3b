// `receivers:`: where notifications go, with their URL (a secret), TLS trust and pacing.
#include <algorithm>
#include <array>
#include <filesystem>

#include "erralert/core/platform.hpp"
#include "erralert/core/text.hpp"
#include "erralert/core/url.hpp"
#include "sections.hpp"
#include "values.hpp"

namespace erralert::config {
namespace {

using namespace std::chrono_literals;

constexpr std::array<std::string_view, 9> kReceiverKeys{
    "name", "type", "url", "url_file", "ca_file", "rate_limit", "max_delay", "timeout", "retry"};
constexpr std::array<std::string_view, 2> kRateKeys{"count", "per"};
constexpr std::array<std::string_view, 3> kRetryKeys{"initial", "max", "give_up_after"};
/// A URL file holds one URL: anything larger is not one (and is not read).
constexpr std::size_t kMaxUrlFileBytes = 8 * 1024;
/// Pacing when a receiver configures none: its platform's (CONTRACT section 5).
std::vector<RateWindow> default_rate_limit(const std::string& type) {
  std::vector<RateWindow> windows;
  if (const auto* p = core::find_platform(type)) {
    for (const auto& w : p->default_pace()) windows.push_back({w.count, w.per});
  }
  return windows;
}

std::optional<std::string> read_type(Reader& r, const YAML::Node& node, const std::string& path) {
  auto type = r.text(node, path);
  if (!type) return std::nullopt;
  if (!core::find_platform(*type)) {
    std::vector<std::string_view> types;
    std::string expected;
    for (const auto& p : core::platforms()) {
      types.push_back(p.type);
      expected += expected.empty() ? "" : (types.size() == core::platforms().size() ? " or " : ", ");
      expected += p.type;
    }
    r.report(node, path, unknown_with_hint("receiver type", *type, types) + " (expected " + expected + ")");
    return std::nullopt;
  }
  return type;
}

// The URL in the file named by `url_file:`, trimmed.
std::optional<std::string> read_url_file(Reader& r, const YAML::Node& node, const std::string& path) {
  const auto file = r.text(node, path);
  if (!file) return std::nullopt;
  std::string error;
  const auto content = read_text_file(*file, kMaxUrlFileBytes, error);
  if (!content) {
    r.report(node, path, error);
    return std::nullopt;
  }
  std::string url(core::trim(*content));
  if (url.empty()) r.report(node, path, "the file '" + *file + "' is empty");
  return url.empty() ? std::nullopt : std::optional(std::move(url));
}

// Exactly one of url and url_file for every type that posts, none for one that does not (console).
void read_url(Reader& r, const Fields& f, Receiver& rcv) {
  const Field* url = f.find("url");
  const Field* url_file = f.find("url_file");
  if (const auto* p = core::find_platform(rcv.type); p && !p->takes_url()) {
    for (const Field* given : {url, url_file})
      if (given) r.report(given->key_node, f.path_of(given->key), rcv.type + " receivers take no url");
    return;
  }
  if (url && url_file) {
    r.report(url_file->key_node, f.path_of("url_file"), "give url or url_file, not both");
    return;
  }
  if (!url && !url_file) {
    if (!rcv.type.empty()) r.report(f.node(), f.path_of("url"), "required for " + rcv.type + " receivers (or url_file)");
    return;
  }
  const Field& given = url ? *url : *url_file;
  const std::string path = f.path_of(given.key);
  const auto value = url ? r.text(url->value, path) : read_url_file(r, url_file->value, path);
  if (!value) return;
  const auto* platform = core::find_platform(rcv.type);
  if (auto why = platform ? core::url_error(*value, *platform) : core::url_error(*value)) {
    r.report(given.value, path, url ? *why : "the URL in the file " + *why);
    return;
  }
  rcv.url = *value;
}

std::optional<std::string> read_ca_file(Reader& r, const YAML::Node& node, const std::string& path) {
  auto file = r.text(node, path);
  if (!file) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(*file, ec)) {
    r.report(node, path, "no such file: " + *file);
    return std::nullopt;
  }
  return file;
}

std::optional<RateWindow> read_rate_window(Reader& r, const YAML::Node& node, const std::string& path) {
  const auto f = r.map(node, path, kRateKeys);
  if (!f) return std::nullopt;
  RateWindow w;
  const bool complete = r.require(*f, {"count", "per"});
  const std::size_t before = r.problem_count();
  r.set(*f, "count", w.count, &Reader::count);
  r.set(*f, "per", w.per, &Reader::duration);
  if (!complete || r.problem_count() != before) return std::nullopt;
  return w;
}

// One window `{count: 5, per: 2s}` or a list of them.
std::optional<std::vector<RateWindow>> read_rate_limit(Reader& r, const YAML::Node& node,
                                                       const std::string& path) {
  if (node.IsMap()) {
    const auto w = read_rate_window(r, node, path);
    return w ? std::optional(std::vector{*w}) : std::nullopt;
  }
  const auto items = r.list(node, path);
  if (!items) return std::nullopt;
  std::vector<RateWindow> windows;
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (auto w = read_rate_window(r, (*items)[i], index_path(path, i))) windows.push_back(*w);
  }
  return windows;
}

// `retry: {initial: 1s, max: 5m, give_up_after: 24h}`; each key optional.
void read_retry(Reader& r, const Fields& f, Receiver& rcv) {
  const Field* retry = f.find("retry");
  if (!retry) return;
  const auto rf = r.map(retry->value, f.path_of("retry"), kRetryKeys);
  if (!rf) return;
  r.set(*rf, "initial", rcv.retry_initial, &Reader::duration);
  r.set(*rf, "max", rcv.retry_max, &Reader::duration);
  r.set(*rf, "give_up_after", rcv.retry_for, &Reader::duration);
  if (rcv.retry_initial.count() <= 0) r.report(retry->value, f.path_of("retry") + ".initial", "must be more than 0");
  if (rcv.retry_max < rcv.retry_initial) {
    r.report(retry->value, f.path_of("retry") + ".max", "must be at least retry.initial");
  }
}

Receiver read_receiver(Reader& r, const Fields& f) {
  Receiver rcv;
  r.require(f, {"name", "type"});
  r.set(f, "name", rcv.name, read_name);
  r.set(f, "type", rcv.type, read_type);
  read_url(r, f, rcv);
  r.set(f, "ca_file", rcv.ca_file, read_ca_file);
  rcv.rate_limit = default_rate_limit(rcv.type);
  r.set(f, "rate_limit", rcv.rate_limit, read_rate_limit);
  r.set(f, "max_delay", rcv.max_delay, &Reader::duration);
  r.set(f, "timeout", rcv.timeout, &Reader::duration);
  read_retry(r, f, rcv);
  return rcv;
}

}  // namespace

std::optional<std::string> read_name(Reader& r, const YAML::Node& node, const std::string& path) {
  auto name = r.text(node, path);
  if (!name) return std::nullopt;
  if (auto why = name_error(*name)) {
    r.report(node, path, *why);
    return std::nullopt;
  }
  return name;
}

std::vector<Receiver> read_receivers(Reader& r, const YAML::Node& node, const std::string& path) {
  std::vector<Receiver> receivers;
  const auto items = r.list(node, path);
  if (!items) return receivers;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto f = r.map((*items)[i], index_path(path, i), kReceiverKeys);
    if (!f) continue;
    Receiver rcv = read_receiver(r, *f);
    if (rcv.name.empty()) continue;
    const auto same_name = [&](const Receiver& other) { return other.name == rcv.name; };
    if (std::any_of(receivers.begin(), receivers.end(), same_name)) {
      r.report(f->value("name"), f->path_of("name"), "duplicate receiver name '" + rcv.name + "'");
      continue;
    }
    receivers.push_back(std::move(rcv));
  }
  return receivers;
}

}  // namespace erralert::config
