// The pipeline: one validated event in, the notifications it causes out (CONTRACT.md section 5).
//
//   Pipeline p(cfg);
//   Pipeline::Outcome o = p.process(std::move(event), now_ms);
//   for (auto& n : o.notifications) receivers.at(n.receiver).deliver(std::move(n));
//
// Pure and single-threaded: time comes in as `now_ms`, notifications go out as values.
// Stages in order: silence -> route -> redact -> group; dedup and pacing join between.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "erralert/config/config.hpp"
#include "erralert/core/event.hpp"
#include "erralert/core/match.hpp"
#include "erralert/core/notification.hpp"
#include "erralert/core/redact.hpp"

namespace erralert::core {

class Pipeline {
 public:
  enum class Fate { notified, silenced, unrouted };

  struct Outcome {
    Fate fate = Fate::unrouted;
    std::vector<Notification> notifications;
  };

  /// Compiles the routes and silences of a config that load_config has validated.
  explicit Pipeline(const config::Config& cfg);

  /// Runs `e` through every stage at time `now_ms`.
  Outcome process(Event e, std::int64_t now_ms) const;

 private:
  struct CompiledRoute {
    const config::Route* route;
    Matcher matcher;
  };
  struct CompiledSilence {
    Matcher matcher;
    std::int64_t until_ms;  // INT64_MAX: until removed
  };

  bool silenced(const Event& e, std::int64_t now_ms) const;

  std::vector<config::Route> routes_;
  std::vector<CompiledRoute> compiled_routes_;
  std::vector<CompiledSilence> silences_;
  Redactor redactor_;
};

/// The compiled matcher of config match terms, already validated at load.
Matcher compile_terms(const std::vector<config::MatchTerm>& terms);

}  // namespace erralert::core
