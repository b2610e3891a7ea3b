// Pipeline stages wired in order: silence, route, redact, fingerprint.
#include "erralert/core/pipeline.hpp"

#include <cassert>
#include <utility>

#include "erralert/core/fingerprint.hpp"

namespace erralert::core {

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
}

boost::container::small_vector<const config::Route*, 8> Pipeline::matching_routes(const Event& e) const {
  boost::container::small_vector<const config::Route*, 8> matched;
  for (const auto& cr : compiled_routes_) {
    if (!cr.matcher.matches(e)) continue;
    matched.push_back(cr.route);
    if (!cr.route->continue_matching) break;
  }
  return matched;
}

Pipeline::Outcome Pipeline::process(Event&& e, const SilenceSet& silences, std::int64_t now_ms) const {
  Outcome out;
  if (silences.matches(e, now_ms)) {
    out.fate = Fate::silenced;
    return out;
  }
  // Route on what the app sent; redact once; nothing after this sees a secret.
  const auto matched = matching_routes(e);
  std::size_t count = 0;
  for (const config::Route* route : matched) count += route->receivers.size();
  if (count == 0) return out;  // unrouted
  redactor_.redact(e);
  const auto shared = std::make_shared<const Event>(std::move(e));
  out.deliveries.reserve(count);
  for (const config::Route* route : matched) {
    std::string fp = fingerprint(*shared, route->group_by);
    const std::size_t n = route->receivers.size();
    for (std::size_t i = 0; i < n; ++i) {
      out.deliveries.push_back({route, route->receivers[i], i + 1 < n ? fp : std::move(fp), shared});
    }
  }
  out.fate = Fate::routed;
  return out;
}

}  // namespace erralert::core
