// The pipeline: one validated event in, where it goes out (CONTRACT.md section 5).
//
//   Pipeline p(cfg);
//   Pipeline::Outcome o = p.process(std::move(event), silences, now_ms);
//   for (auto& d : o.deliveries) aggregator.admit(d, now_ms);   // grouping comes next
//
// Pure, const and single-threaded: time comes in as `now_ms`, deliveries go out as values.
// Stages in order: silence -> route -> redact -> fingerprint. The redacted event is shared by
// every delivery it makes, never copied per receiver. Grouping, dedup and pacing come after
// (Aggregator, Outbox).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "erralert/config/config.hpp"
#include "erralert/core/event.hpp"
#include "erralert/core/match.hpp"
#include "erralert/core/redact.hpp"
#include "erralert/core/silence.hpp"

namespace erralert::core {

/// One event bound for one receiver by one route. `route` points into the Pipeline that made
/// it and is valid while that Pipeline lives.
struct Delivery {
  const config::Route* route = nullptr;
  std::string_view receiver;
  std::string fingerprint;
  std::shared_ptr<const Event> event;
};

class Pipeline {
 public:
  enum class Fate { routed, silenced, unrouted };

  struct Outcome {
    Fate fate = Fate::unrouted;
    /// Most events go to one or two receivers: those stay inside the outcome (no allocation).
    boost::container::small_vector<Delivery, 2> deliveries;
  };

  /// Compiles the routes and redaction of a config that load_config has validated.
  explicit Pipeline(const config::Config& cfg);

  /// Runs `e` through every stage at time `now_ms`.
  Outcome process(Event&& e, const SilenceSet& silences, std::int64_t now_ms) const;

  /// The routes that match `e`, in order (the first match ends the list unless it continues).
  boost::container::small_vector<const config::Route*, 8> matching_routes(const Event& e) const;

  /// Replaces secrets in `e` as process() does.
  void redact(Event& e) const { redactor_.redact(e); }

 private:
  struct CompiledRoute {
    const config::Route* route;
    Matcher matcher;
  };

  std::vector<config::Route> routes_;
  std::vector<CompiledRoute> compiled_routes_;
  Redactor redactor_;
};

/// The compiled matcher of config match terms, already validated at load.
Matcher compile_terms(const std::vector<config::MatchTerm>& terms);

}  // namespace erralert::core
