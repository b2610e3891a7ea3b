// Pipeline stages wired in order: silence, route, redact, group.
#include "erralert/core/pipeline.hpp"

#include <cassert>
#include <limits>
#include <utility>

#include <boost/container/small_vector.hpp>

#include "erralert/core/fingerprint.hpp"

namespace erralert::core {

std::string_view to_string(NotificationKind k) {
  switch (k) {
    case NotificationKind::first: return "first";
    case NotificationKind::summary: return "summary";
    case NotificationKind::digest: return "digest";
  }
  return "first";
}

std::uint64_t Notification::total_count() const {
  std::uint64_t total = other_count;
  for (const auto& g : groups) total += g.count;
  return total;
}

Matcher compile_terms(const std::vector<config::MatchTerm>& terms) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(terms.size());
  for (const auto& t : terms) pairs.emplace_back(t.key, t.value);
  auto m = compile_matcher(pairs);
  assert(m && "load_config validates every match term");
  return std::move(m).value();
}

Pipeline::Pipeline(const config::Config& cfg)
    : routes_(cfg.routes), redactor_(cfg.redact.keys, cfg.redact.patterns) {
  compiled_routes_.reserve(routes_.size());
  for (const auto& r : routes_) compiled_routes_.push_back({&r, compile_terms(r.match)});
  for (const auto& s : cfg.silences) {
    silences_.push_back({compile_terms(s.match),
                         s.until_ms.value_or(std::numeric_limits<std::int64_t>::max())});
  }
}

bool Pipeline::silenced(const Event& e, std::int64_t now_ms) const {
  for (const auto& s : silences_) {
    if (now_ms < s.until_ms && s.matcher.matches(e)) return true;
  }
  return false;
}

Pipeline::Outcome Pipeline::process(Event e, std::int64_t now_ms) const {
  Outcome out;
  if (silenced(e, now_ms)) {
    out.fate = Fate::silenced;
    return out;
  }
  // Route on what the app sent; redact once; nothing after this sees a secret.
  boost::container::small_vector<const config::Route*, 8> matched;
  for (const auto& cr : compiled_routes_) {
    if (!cr.matcher.matches(e)) continue;
    matched.push_back(cr.route);
    if (!cr.route->continue_matching) break;
  }
  if (!matched.empty()) redactor_.redact(e);
  std::size_t remaining = 0;
  for (const config::Route* route : matched) remaining += route->receivers.size();
  out.notifications.reserve(remaining);
  const std::int64_t seen_ms = e.timestamp_ms;
  for (const config::Route* route : matched) {
    std::string fp = fingerprint(e, route->group_by);
    for (const auto& receiver : route->receivers) {
      Notification n;
      n.kind = NotificationKind::first;
      n.receiver = receiver;
      n.route = route->name;
      // Every notification holds the event and the fingerprint: the last ones take them, the
      // others copy. Filled in place, so no temporary Event is moved again.
      GroupEntry& g = n.groups.emplace_back();
      g.fingerprint = &receiver == &route->receivers.back() ? std::move(fp) : fp;
      g.count = 1;
      g.first_seen_ms = g.last_seen_ms = seen_ms;
      if (--remaining == 0) {
        g.event = std::move(e);
      } else {
        g.event = e;
      }
      out.notifications.push_back(std::move(n));
    }
  }
  out.fate = out.notifications.empty() ? Fate::unrouted : Fate::notified;
  return out;
}

}  // namespace erralert::core
