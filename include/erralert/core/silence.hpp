// Silences: which events are counted and dropped for a while, from the config and from the API.
//
//   SilenceSet s(cfg.silences);
//   if (s.matches(event, now_ms)) ++silenced;   // not routed, not notified
//
// Pure: time comes in as `now_ms`; the daemon persists what the API adds.
#pragma once

#include <cstdint>
#include <vector>

#include "erralert/config/config.hpp"
#include "erralert/core/event.hpp"
#include "erralert/core/match.hpp"

namespace erralert::core {

class SilenceSet {
 public:
  /// The config's silences (validated by load_config).
  explicit SilenceSet(const std::vector<config::Silence>& from_config = {});

  /// True when a silence in force at `now_ms` matches `e`.
  bool matches(const Event& e, std::int64_t now_ms) const;

 private:
  struct Compiled {
    Matcher matcher;
    std::int64_t until_ms;  // INT64_MAX: until removed
  };
  std::vector<Compiled> silences_;
};

}  // namespace erralert::core
