// Notification <-> JSON, with events read back by parse_event as if an app had sent them.
#include "erralert/core/notification_json.hpp"

#include <chrono>
#include <limits>
#include <type_traits>

#include "erralert/core/parse.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;

/// Reads `key` of `j` into `out` when present; false when it is there with the wrong type.
template <class T>
bool read(const json& j, const char* key, T& out) {
  const auto it = j.find(key);
  if (it == j.end()) return true;
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return false;
    out = it->get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return false;
    out = it->get<std::string>();
  } else if constexpr (std::is_unsigned_v<T>) {
    if (!it->is_number_unsigned()) return false;
    out = it->get<T>();
  } else {
    if (!it->is_number_integer()) return false;
    out = it->get<T>();
  }
  return true;
}


std::optional<GroupEntry> group_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  GroupEntry g;
  if (!read(j, "fingerprint", g.fingerprint) || !read(j, "count", g.count) ||
      !read(j, "first_seen_ms", g.first_seen_ms) || !read(j, "last_seen_ms", g.last_seen_ms) ||
      !read(j, "total", g.total) || !read(j, "window_ms", g.window_ms) || !read(j, "seen_before", g.seen_before) ||
      !read(j, "seen_before_since_ms", g.seen_before_since_ms) || !read(j, "overflow", g.overflow) ||
      !read(j, "host_only", g.host_only)) {
    return std::nullopt;
  }
  const auto event = j.find("event");
  if (event == j.end()) return std::nullopt;
  g.event = event_from_json(*event);
  if (!g.event) return std::nullopt;
  return g;
}

}  // namespace

std::shared_ptr<const Event> event_from_json(const json& j) {
  ParseContext ctx;
  ctx.max_event_bytes = std::numeric_limits<std::size_t>::max();
  ctx.max_clock_skew_ms = 0;  // the times were settled when the event was received
  auto e = parse_event(j, ctx);
  if (!e) return nullptr;
  return std::make_shared<const Event>(std::move(e).value());
}

json notification_to_json(const Notification& n) {
  json groups = json::array();
  for (const auto& g : n.groups) {
    json entry = {{"fingerprint", g.fingerprint}, {"count", g.count},
                  {"first_seen_ms", g.first_seen_ms}, {"last_seen_ms", g.last_seen_ms},
                  {"total", g.total}, {"window_ms", g.window_ms}};
    if (g.seen_before != 0) {
      entry["seen_before"] = g.seen_before;
      entry["seen_before_since_ms"] = g.seen_before_since_ms;
    }
    if (g.overflow) entry["overflow"] = true;
    if (g.host_only) entry["host_only"] = true;
    entry["event"] = g.event ? to_json(*g.event, true) : json::object();
    groups.push_back(std::move(entry));
  }
  return {{"kind", to_string(n.kind)},
          {"receiver", n.receiver},
          {"route", n.route},
          {"groups", std::move(groups)},
          {"other_groups", n.other_groups},
          {"other_count", n.other_count}};
}

std::optional<Notification> notification_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  Notification n;
  std::string kind;
  if (!read(j, "kind", kind) || !read(j, "receiver", n.receiver) || !read(j, "route", n.route) ||
      !read(j, "other_groups", n.other_groups) || !read(j, "other_count", n.other_count)) {
    return std::nullopt;
  }
  const auto k = parse_notification_kind(kind);
  if (!k) return std::nullopt;
  n.kind = *k;
  const auto groups = j.find("groups");
  if (groups == j.end() || !groups->is_array()) return std::nullopt;
  for (const auto& g : *groups) {
    auto entry = group_from_json(g);
    if (!entry) return std::nullopt;
    n.groups.push_back(std::move(*entry));
  }
  if (n.groups.empty() && n.other_groups == 0) return std::nullopt;
  return n;
}

}  // namespace erralert::core
